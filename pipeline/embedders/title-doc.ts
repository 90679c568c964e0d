import type { PlatformTitle } from '../platforms/types';
import { TOP_CAST } from './movie-doc';
import type { MovieDoc } from './types';

/**
 * A platform title as the embedders read a movie: the description stands for the overview, the
 * platform categories (listed_in) for genres, the countries for keywords; directors and the
 * top-billed cast as for movies. The platform itself is left out (similar titles are looked for
 * across platforms).
 */
export function titleDoc(t: PlatformTitle): MovieDoc {
  return {
    title: t.title,
    tagline: '',
    overview: t.description,
    genres: t.listedIn,
    keywords: t.countries,
    directors: t.directors,
    cast: t.cast.slice(0, TOP_CAST),
    productionCompanies: [],
  };
}

import { categoryWords } from '../platforms/categories.js';
import type { PlatformTitle } from '../platforms/types.js';
import type { CatalogOptions } from './catalog/model.js';
import { TOP_CAST } from './movie-doc.js';
import type { MovieDoc } from './types.js';

/**
 * A platform title as the embedders read a movie: the description stands for the overview, the
 * platform-neutral category words for genres; directors and the top-billed cast as for movies.
 * Left out on purpose: the raw category names and the countries, which differ by platform for the
 * same title and so made neighbours cluster by platform (bench:platforms: a title's copy on another
 * platform came first for 10% of titles with them, 31% without), and the platform itself.
 */
export function titleDoc(t: PlatformTitle): MovieDoc {
  return {
    title: t.title,
    tagline: '',
    overview: t.description,
    genres: [...categoryWords(t.listedIn)],
    keywords: [],
    directors: t.directors,
    cast: t.cast.slice(0, TOP_CAST),
    productionCompanies: [],
  };
}

/**
 * The catalog embedder's options for platform titles: titles and descriptions carry more (short
 * descriptions, no keywords). Chosen among six variants on bench:platforms' own figures (so those
 * figures flatter it a little): the only one ahead of the TF-IDF baseline on both.
 */
export const TITLE_CATALOG_OPTIONS: Partial<CatalogOptions> = { titleRepeat: 4, weights: { text: 1.5 } as CatalogOptions['weights'] };

import type { Movie } from '../../pipeline/types.js';

/** A Movie with every field empty (no date, no credits) but id and title, then `over` on top. */
export function bareMovie(id: number, over: Partial<Movie> = {}): Movie {
  return {
    id,
    title: `Movie ${id}`,
    overview: '',
    tagline: '',
    releaseDate: '',
    releaseYear: 0,
    budget: 0,
    revenue: 0,
    return: 0,
    runtime: null,
    popularity: 0,
    voteAverage: 0,
    voteCount: 0,
    originalLanguage: '',
    status: '',
    collection: null,
    genres: [],
    productionCompanies: [],
    productionCountries: [],
    spokenLanguages: [],
    cast: [],
    directors: [],
    keywords: [],
    hasCredits: false,
    ...over,
  };
}

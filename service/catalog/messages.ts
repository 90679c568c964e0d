import type { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import type { Movie } from '../../pipeline/types.js';

// Movie -> wire messages (field names are proto-loader's lowerCamelCase).

export function movieRef(m: Pick<Movie, 'id' | 'title' | 'releaseDate' | 'releaseYear'>) {
  return { id: m.id, title: m.title, releaseDate: m.releaseDate, releaseYear: m.releaseYear };
}

/** movieRef of a row, read straight from the columns (no whole Movie built). */
export function movieRefAt(movies: MovieColumns, row: number) {
  return { id: movies.id[row], title: movies.title(row), releaseDate: movies.releaseDate(row), releaseYear: movies.releaseYear[row] };
}

export function movieMessage(m: Movie) {
  return {
    id: m.id,
    title: m.title,
    overview: m.overview,
    tagline: m.tagline,
    releaseDate: m.releaseDate,
    releaseYear: m.releaseYear,
    budget: m.budget,
    revenue: m.revenue,
    returnRatio: m.return,
    runtimeMinutes: m.runtime ?? 0,
    runtimeKnown: m.runtime !== null && m.runtime !== undefined,
    popularity: m.popularity,
    voteAverage: m.voteAverage,
    voteCount: m.voteCount,
    originalLanguage: m.originalLanguage,
    status: m.status,
    collection: m.collection ?? undefined,
    genres: m.genres,
    productionCompanies: m.productionCompanies,
    productionCountries: m.productionCountries,
    spokenLanguages: m.spokenLanguages,
    cast: m.cast,
    directors: m.directors,
    keywords: m.keywords,
    hasCredits: m.hasCredits,
  };
}

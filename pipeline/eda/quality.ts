import type { Movie } from '../types.js';

/** What counts as missing in each catalog column (0 means "unknown" in the TMDB numbers). */
export interface ColumnRule {
  column: keyof Movie;
  missingWhen: string;
  isMissing: (m: Movie) => boolean;
}

const emptyText = (v: string | null | undefined) => v === null || v === undefined || v.trim() === '';
const emptyList = (v: readonly unknown[] | null | undefined) => !v || v.length === 0;

export const COLUMN_RULES: ColumnRule[] = [
  { column: 'title', missingWhen: 'empty', isMissing: (m) => emptyText(m.title) },
  { column: 'overview', missingWhen: 'empty', isMissing: (m) => emptyText(m.overview) },
  { column: 'tagline', missingWhen: 'empty', isMissing: (m) => emptyText(m.tagline) },
  { column: 'releaseDate', missingWhen: 'empty', isMissing: (m) => emptyText(m.releaseDate) },
  { column: 'budget', missingWhen: '0 (unknown)', isMissing: (m) => !(m.budget > 0) },
  { column: 'revenue', missingWhen: '0 (unknown)', isMissing: (m) => !(m.revenue > 0) },
  { column: 'return', missingWhen: '0 (budget or revenue 0)', isMissing: (m) => !(m.return > 0) },
  { column: 'runtime', missingWhen: 'null or 0', isMissing: (m) => !(m.runtime !== null && m.runtime > 0) },
  { column: 'popularity', missingWhen: '0', isMissing: (m) => !(m.popularity > 0) },
  { column: 'voteAverage', missingWhen: 'no votes (voteCount 0)', isMissing: (m) => !(m.voteCount > 0) },
  { column: 'voteCount', missingWhen: '0', isMissing: (m) => !(m.voteCount > 0) },
  { column: 'originalLanguage', missingWhen: 'empty', isMissing: (m) => emptyText(m.originalLanguage) },
  { column: 'status', missingWhen: 'empty', isMissing: (m) => emptyText(m.status) },
  { column: 'collection', missingWhen: 'null (no collection)', isMissing: (m) => m.collection === null },
  { column: 'genres', missingWhen: 'empty list', isMissing: (m) => emptyList(m.genres) },
  { column: 'productionCompanies', missingWhen: 'empty list', isMissing: (m) => emptyList(m.productionCompanies) },
  { column: 'productionCountries', missingWhen: 'empty list', isMissing: (m) => emptyList(m.productionCountries) },
  { column: 'spokenLanguages', missingWhen: 'empty list', isMissing: (m) => emptyList(m.spokenLanguages) },
  { column: 'cast', missingWhen: 'empty list', isMissing: (m) => emptyList(m.cast) },
  { column: 'directors', missingWhen: 'empty list', isMissing: (m) => emptyList(m.directors) },
  { column: 'keywords', missingWhen: 'empty list', isMissing: (m) => emptyList(m.keywords) },
  { column: 'hasCredits', missingWhen: 'false (no credits row)', isMissing: (m) => !m.hasCredits },
];

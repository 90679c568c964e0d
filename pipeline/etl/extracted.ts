// The intermediate files extract writes under `<version>/extract/` and transform reads.
import type { PyValue } from '../sources/pyliteral.js';

export const EXTRACT_FILES = {
  movies: 'movies.jsonl',
  credits: 'credits.jsonl',
  keywords: 'keywords.jsonl',
  quarantine: 'quarantine.jsonl',
} as const;

/** The movies columns holding Python literals, parsed by extract. */
export const MOVIE_NESTED_COLUMNS = [
  'belongs_to_collection',
  'genres',
  'production_companies',
  'production_countries',
  'spoken_languages',
] as const;
export type MovieNestedColumn = (typeof MOVIE_NESTED_COLUMNS)[number];

/** A movies row that passed the row checks: raw text of the plain columns, parsed nested columns. */
export interface ExtractedMovie {
  id: number;
  file: string;
  row: number;
  /** every non-nested column of the row, as text, by header name */
  columns: Record<string, string>;
  /** nested columns parsed (null when the cell was empty) */
  nested: Record<MovieNestedColumn, PyValue>;
}

/** A credits row, reduced at parse time to the keys the catalog uses (and the crew to its directors). */
export interface ExtractedCredits {
  id: number;
  file: string;
  row: number;
  cast: { name?: PyValue; order?: PyValue }[];
  crew: { name?: PyValue; job?: PyValue }[];
}

export interface ExtractedKeywords {
  id: number;
  file: string;
  row: number;
  keywords: { id?: PyValue; name?: PyValue }[];
}

export const CAST_KEYS: ReadonlySet<string> = new Set(['name', 'order']);
export const CREW_KEYS: ReadonlySet<string> = new Set(['name', 'job']);
export const KEYWORD_KEYS: ReadonlySet<string> = new Set(['id', 'name']);

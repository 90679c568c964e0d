// Types shared by pipeline (producer of the artifacts), workers and service (consumers).

/** One cleaned movie: a line of `catalog.jsonl` in an artifact version. */
export interface Movie {
  id: number;
  title: string;
  overview: string;
  tagline: string;
  /** YYYY-MM-DD */
  releaseDate: string;
  releaseYear: number;
  budget: number;
  revenue: number;
  /** revenue / budget when both > 0, else 0 */
  return: number;
  /** minutes; null when missing */
  runtime: number | null;
  popularity: number;
  voteAverage: number;
  voteCount: number;
  /** ISO 639-1 code of the original language, lower case ('' when missing) */
  originalLanguage: string;
  status: string;
  collection: { id: number; name: string } | null;
  genres: string[];
  productionCompanies: string[];
  /** ISO 3166-1 alpha-2 code + name */
  productionCountries: { code: string; name: string }[];
  spokenLanguages: { code: string; name: string }[];
  /** cast names in billing order (empty when the movie has no credits row) */
  cast: string[];
  /** crew members whose job is Director */
  directors: string[];
  keywords: string[];
  /** whether a credits row exists for this movie (actor/director answers only cover those) */
  hasCredits: boolean;
}

export type Table = 'movies' | 'credits' | 'keywords';

/** Every table rows are read from: the TMDB tables and the platform families' tables. */
export type SourceTable = Table | 'platform_titles' | 'platform_ratings' | 'movielens_ratings' | 'movielens_links';

/** A row that was not admitted, with why: a line of `quarantine.jsonl`. */
export interface QuarantineRecord {
  table: SourceTable;
  /** input file base name */
  file: string;
  /** 1-based data row number within its file (header not counted) */
  row: number;
  reason: QuarantineReason;
  detail: string;
  /** the id column as found, if any */
  id?: string;
  /** the raw row, cut to a bounded length */
  raw?: string;
}

export type QuarantineReason =
  | 'shifted_columns'
  | 'malformed_row'
  | 'bad_id'
  | 'unparsable_literal'
  /** a literal that parses but has the wrong shape (a number where a list of dicts belongs, ...) */
  | 'unexpected_literal'
  | 'duplicate_id'
  /** a field longer than its bound (pipeline/etl/field-limits.ts): published, it would break clients */
  | 'oversized_field'
  /** bytes that are not UTF-8 in some field: not published silently changed */
  | 'invalid_utf8'
  /** a value that cannot be read as what its column holds (a platform title's type or year, a rating) */
  | 'unexpected_value'
  /** a rating of a title that is in no platform catalog */
  | 'unknown_title';

/**
 * Every stage in run order: the TMDB catalog (extract, transform), the platform catalog (platforms,
 * scores), the link between the two (link), the ratings model (train), then the report, embeddings
 * and index over both catalogs, and publish. The inline runner and the BullMQ flow both follow this order.
 */
export const STAGES = ['extract', 'transform', 'platforms', 'scores', 'link', 'train', 'eda', 'embed', 'index', 'publish'] as const;
export type StageName = (typeof STAGES)[number];

export interface InputFile {
  table: SourceTable;
  file: string;
  path: string;
  bytes: number;
  sha256: string;
}

/** What a stage reports about itself; written to `<versionDir>/stages/<stage>.json`. */
export interface StageResult {
  stage: StageName;
  startedAt: string;
  ms: number;
  peakRssBytes: number;
  counts?: Record<string, number>;
  /** quarantined rows by reason (merged into the manifest's quarantine counts) */
  quarantine?: Record<string, number>;
  /** input files read (extract) */
  inputs?: InputFile[];
  /** files this stage wrote, relative to the version dir, by role (merged into manifest.files) */
  files?: Record<string, string>;
  /** stage-specific facts for the manifest (embedder id, index parameters, report paths, ...) */
  info?: Record<string, unknown>;
}

export interface Manifest {
  schemaVersion: number;
  version: string;
  runId: string;
  createdAt: string;
  inputs: InputFile[];
  counts: Record<string, number>;
  quarantine: Record<string, number>;
  stages: Partial<Record<StageName, StageResult>>;
  peakRssBytes: number;
  /** relative file names inside the version dir */
  files: Record<string, string>;
  /** everything stages put in `info`, keyed by stage */
  info: Partial<Record<StageName, Record<string, unknown>>>;
}

export const MANIFEST_SCHEMA_VERSION = 1;

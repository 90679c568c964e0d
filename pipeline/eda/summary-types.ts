// The numbers behind every chart of the EDA report: `<version>/eda/summary.json`.
// Read by the report renderer and by the service's ReportService; keep changes additive.
import type { PlatformSummary } from './platforms.js';

export type { PlatformSummary };

export const EDA_SUMMARY_SCHEMA_VERSION = 1;

/** The columns of the correlation matrix, in display order. */
export const CORRELATION_COLUMNS = [
  'budget',
  'revenue',
  'return',
  'popularity',
  'voteAverage',
  'voteCount',
  'runtime',
] as const;
export type CorrelationColumn = (typeof CORRELATION_COLUMNS)[number];

export interface NamedCount {
  name: string;
  movies: number;
}

export interface CodedCount {
  /** ISO code as found in the catalog */
  code: string;
  /** display name (English) */
  name: string;
  movies: number;
}

export interface TopList<T> {
  /** the first `top.length` entries, most movies first (ties by name) */
  top: T[];
  /** how many distinct values exist in all */
  distinct: number;
  /** movies that have none of these values (empty list / empty code) */
  moviesWithout: number;
}

export interface RuntimeBin {
  /** minutes, inclusive */
  from: number;
  /** minutes, exclusive; null for the open last bin */
  to: number | null;
  movies: number;
}

export interface RuntimeSummary {
  binMinutes: number;
  /** runtimes at or above this fall in the last, open bin */
  overflowFrom: number;
  bins: RuntimeBin[];
  /** movies with a known runtime (not null, > 0) */
  known: number;
  /** movies whose runtime is null or 0 (unknown), left out of the histogram */
  unknown: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  median: number | null;
}

export interface BudgetRevenuePoint {
  id: number;
  title: string;
  year: number;
  budget: number;
  revenue: number;
}

export interface BudgetRevenueSummary {
  /** movies with budget > 0 and revenue > 0 (the only ones plotted) */
  movies: number;
  /** movies left out because budget or revenue is 0 (unknown) */
  excluded: number;
  /** Pearson r of log10(budget) and log10(revenue) over the plotted movies */
  pearsonLog10: number | null;
  /** plotted movies with revenue > budget */
  revenueAboveBudget: number;
  /** dots drawn: every such movie, or a fixed-size sample (lowest hashed ids) of a large catalog */
  plotted: number;
  points: BudgetRevenuePoint[];
}

export interface CorrelationCell {
  x: CorrelationColumn;
  y: CorrelationColumn;
  /** Pearson r; null when fewer than 3 pairs or a column is constant over the pairs */
  r: number | null;
  /** pairs used: movies where both values are known */
  n: number;
}

export interface CorrelationSummary {
  method: 'pearson';
  columns: CorrelationColumn[];
  /** how an unknown value is recognised per column; such values are excluded pairwise */
  unknownWhen: Record<CorrelationColumn, string>;
  /** movies with a known value, per column */
  known: Record<CorrelationColumn, number>;
  /** every (x, y) pair, row-major over `columns` */
  cells: CorrelationCell[];
}

export interface TitleWordCount {
  word: string;
  /** titles that contain the word (each title counts once) */
  titles: number;
  /** occurrences over all titles */
  occurrences: number;
}

export interface TitleWordsSummary {
  titles: number;
  /** word tokens kept after stop-word removal */
  tokens: number;
  /** word tokens removed as stop words */
  stopWordTokens: number;
  distinct: number;
  stopWordLists: string[];
  top: TitleWordCount[];
}

export interface ColumnQuality {
  column: string;
  /** what counts as missing for this column */
  missingWhen: string;
  missing: number;
  /** missing / catalog movies, 0..1 */
  share: number;
}

export interface ReasonCount {
  /** the stage that counted it (dropped rows) */
  stage?: string;
  /** table ('movies', 'credits', 'keywords') when known */
  table?: string;
  reason: string;
  rows: number;
}

export interface QualitySummary {
  columns: ColumnQuality[];
  /** quarantined rows by table and reason, from quarantine.jsonl */
  quarantined: ReasonCount[];
  quarantinedTotal: number;
  /** rows dropped (not quarantined) by reason, from the extract/transform stage counts */
  dropped: ReasonCount[];
  droppedTotal: number;
  /** every count the extract and transform stages reported, as reported, by stage */
  stageCounts: Record<string, Record<string, number>>;
  /** quarantine counts by reason as the stages reported them (should agree with `quarantined`) */
  stageQuarantine: Record<string, Record<string, number>>;
}

export interface EdaSummary {
  schemaVersion: number;
  /** the only time-dependent field */
  generatedAt: string;
  catalog: {
    movies: number;
    firstYear: number | null;
    lastYear: number | null;
    withBudget: number;
    withRevenue: number;
    withBudgetAndRevenue: number;
    withRuntime: number;
    withCredits: number;
  };
  genres: TopList<NamedCount>;
  /** every year from firstYear to lastYear, zeros included */
  releasesPerYear: { year: number; movies: number }[];
  runtime: RuntimeSummary;
  budgetRevenue: BudgetRevenueSummary;
  correlation: CorrelationSummary;
  titleWords: TitleWordsSummary;
  languages: TopList<CodedCount>;
  countries: TopList<CodedCount>;
  companies: TopList<NamedCount>;
  quality: QualitySummary;
  /** the streaming-platform catalog of the version; absent when it was built without one */
  platforms?: PlatformSummary;
}

import type { Movie, QuarantineRecord, StageResult } from '../types.js';
import { COLUMN_RULES } from './quality.js';
import { countryName, languageName } from './names.js';
import { HashSample, increment, PearsonAccumulator, round, sortedCounts, ValueCounts } from './stats.js';
import { STOP_WORD_LISTS } from './stopwords.js';
import {
  CORRELATION_COLUMNS,
  EDA_SUMMARY_SCHEMA_VERSION,
  type BudgetRevenuePoint,
  type CodedCount,
  type CorrelationCell,
  type CorrelationColumn,
  type EdaSummary,
  type NamedCount,
  type ReasonCount,
  type TopList,
} from './summary-types.js';
import { titleWords } from './title-words.js';

export interface SummaryOptions {
  /** entries kept in the language / country / company / title-word rankings */
  topN?: number;
  topWords?: number;
  runtimeBinMinutes?: number;
  runtimeOverflowFrom?: number;
  /** fixed for tests; defaults to now */
  generatedAt?: string;
  /** dots in the budget/revenue scatter (a sample by hashed id above this) */
  scatterPoints?: number;
}

/** Enough dots to show the shape; at 10^6 movies every dot would make a 100 MB report. */
export const SCATTER_POINTS = 4000;

/**
 * How an unknown value shows in each correlation column. TMDB writes 0 for an unknown budget,
 * revenue or runtime, and a vote average of 0 with no votes means "not rated", so these are left
 * out pairwise: each cell uses the movies where both of its columns are known. Popularity and vote
 * count are kept as they are (0 votes is a real count).
 */
export const UNKNOWN_WHEN: Record<CorrelationColumn, string> = {
  budget: 'budget = 0',
  revenue: 'revenue = 0',
  return: 'return = 0 (budget or revenue unknown)',
  popularity: 'never (0 is kept)',
  voteAverage: 'voteCount = 0',
  voteCount: 'never (0 is kept)',
  runtime: 'runtime null or 0',
};

function correlationValue(m: Movie, c: CorrelationColumn): number | null {
  switch (c) {
    case 'budget':
      return m.budget > 0 ? m.budget : null;
    case 'revenue':
      return m.revenue > 0 ? m.revenue : null;
    case 'return':
      return m.return > 0 ? m.return : null;
    case 'popularity':
      return Number.isFinite(m.popularity) ? m.popularity : null;
    case 'voteAverage':
      return m.voteCount > 0 ? m.voteAverage : null;
    case 'voteCount':
      return Number.isFinite(m.voteCount) ? m.voteCount : null;
    case 'runtime':
      return m.runtime !== null && m.runtime > 0 ? m.runtime : null;
  }
}

/** Counts of quarantine and drop reasons gathered outside the catalog. */
export interface StageInputs {
  extract?: StageResult | null;
  transform?: StageResult | null;
}

/**
 * How the extract and transform stages name, in their counts, the input rows they drop without
 * quarantining them (a cleaning rule, not a malformed row). Totals over these (e.g. transform's
 * `dropped_no_release_date`) are left out so nothing is counted twice.
 */
const DROP_COUNTS: { stage: string; pattern: RegExp; table: (m: RegExpExecArray) => string; reason: (m: RegExpExecArray) => string }[] = [
  {
    stage: 'transform',
    pattern: /^dropped_(missing|invalid)_release_date$/,
    table: () => 'movies',
    reason: (m) => `${m[1]} release date`,
  },
  {
    stage: 'extract',
    pattern: /^(movies|credits|keywords)_duplicate_rows$/,
    table: (m) => m[1],
    reason: () => 'exact duplicate row',
  },
];
const DROP_TOTALS = new Set(['dropped_no_release_date']);

/** Rows dropped by reason, from one stage's counts (zero counts left out). */
export function droppedReasons(stage: string, counts: Record<string, number> | undefined): ReasonCount[] {
  const out: ReasonCount[] = [];
  for (const [key, rows] of Object.entries(counts ?? {})) {
    if (rows <= 0 || DROP_TOTALS.has(key)) continue;
    const rule = DROP_COUNTS.find((r) => r.stage === stage && r.pattern.test(key));
    if (rule) {
      const m = rule.pattern.exec(key)!;
      out.push({ stage, table: rule.table(m), reason: rule.reason(m), rows });
    } else if (/^dropped_/.test(key)) {
      // a drop reason this report does not know by name yet: shown as it is counted
      out.push({ stage, reason: key.slice('dropped_'.length).replace(/_/g, ' '), rows });
    }
  }
  return out;
}

/**
 * Accumulates the report's numbers one movie and one quarantine record at a time, so the stage
 * can stream catalog.jsonl; `finish()` turns them into the summary.
 */
export class EdaAccumulator {
  private movies = 0;
  private readonly genres = new Map<string, number>();
  private moviesWithoutGenre = 0;
  private readonly years = new Map<number, number>();
  private readonly runtimes = new ValueCounts();
  private runtimeUnknown = 0;
  /** the scatter's dots: a fixed-size sample, so the report stays the same size whatever the catalog */
  private readonly points: HashSample<BudgetRevenuePoint>;
  private withBoth = 0;
  private revenueAboveBudget = 0;
  private readonly logPearson = new PearsonAccumulator();
  private withBudget = 0;
  private withRevenue = 0;
  private withCredits = 0;
  private readonly corrKnown = CORRELATION_COLUMNS.map(() => 0);
  /** one streaming Pearson per (y, x) cell, row-major */
  private readonly corr = CORRELATION_COLUMNS.flatMap(() => CORRELATION_COLUMNS.map(() => new PearsonAccumulator()));
  private readonly wordTitles = new Map<string, number>();
  private readonly wordOccurrences = new Map<string, number>();
  private wordTokens = 0;
  private stopWordTokens = 0;
  private readonly languages = new Map<string, number>();
  private moviesWithoutLanguage = 0;
  private readonly countries = new Map<string, number>();
  /** the catalog's name for each country code (the first seen, which is stable for a catalog) */
  private readonly countryNames = new Map<string, string>();
  private moviesWithoutCountry = 0;
  private readonly companies = new Map<string, number>();
  private moviesWithoutCompany = 0;
  private readonly missing = COLUMN_RULES.map(() => 0);
  private readonly quarantine = new Map<string, number>();

  constructor(private readonly opts: SummaryOptions = {}) {
    this.points = new HashSample(opts.scatterPoints ?? SCATTER_POINTS);
  }

  addMovie(m: Movie): void {
    this.movies++;
    const genres = new Set(m.genres);
    if (genres.size === 0) this.moviesWithoutGenre++;
    for (const g of genres) increment(this.genres, g);

    if (Number.isInteger(m.releaseYear)) this.years.set(m.releaseYear, (this.years.get(m.releaseYear) ?? 0) + 1);

    if (m.runtime !== null && m.runtime > 0) this.runtimes.add(m.runtime);
    else this.runtimeUnknown++;

    if (m.budget > 0) this.withBudget++;
    if (m.revenue > 0) this.withRevenue++;
    if (m.budget > 0 && m.revenue > 0) {
      this.withBoth++;
      if (m.revenue > m.budget) this.revenueAboveBudget++;
      this.logPearson.add(Math.log10(m.budget), Math.log10(m.revenue));
      this.points.add(m.id, { id: m.id, title: m.title, year: m.releaseYear, budget: m.budget, revenue: m.revenue });
    }
    if (m.hasCredits) this.withCredits++;

    const values = CORRELATION_COLUMNS.map((c) => correlationValue(m, c));
    const k = values.length;
    for (let yi = 0; yi < k; yi++) {
      const y = values[yi];
      if (y === null) continue;
      this.corrKnown[yi]++;
      for (let xi = 0; xi < k; xi++) {
        const x = values[xi];
        if (x !== null) this.corr[yi * k + xi].add(x, y);
      }
    }

    const { words, stopWords } = titleWords(m.title);
    this.wordTokens += words.length;
    this.stopWordTokens += stopWords;
    for (const w of words) increment(this.wordOccurrences, w);
    for (const w of new Set(words)) increment(this.wordTitles, w);

    if (m.originalLanguage) increment(this.languages, m.originalLanguage);
    else this.moviesWithoutLanguage++;

    const codes = new Set<string>();
    for (const c of m.productionCountries) {
      if (!c.code) continue;
      codes.add(c.code);
      if (!this.countryNames.has(c.code) && c.name) this.countryNames.set(c.code, c.name);
    }
    if (codes.size === 0) this.moviesWithoutCountry++;
    for (const c of codes) increment(this.countries, c);

    const companies = new Set(m.productionCompanies.filter((c) => c.trim() !== ''));
    if (companies.size === 0) this.moviesWithoutCompany++;
    for (const c of companies) increment(this.companies, c);

    COLUMN_RULES.forEach((rule, i) => {
      if (rule.isMissing(m)) this.missing[i]++;
    });
  }

  addQuarantine(q: QuarantineRecord): void {
    increment(this.quarantine, `${q.table}\u0000${q.reason}`);
  }

  finish(stages: StageInputs = {}): EdaSummary {
    const topN = this.opts.topN ?? 20;
    const n = this.movies;
    const yearsSorted = [...this.years.keys()].sort((a, b) => a - b);
    const firstYear = yearsSorted.length ? yearsSorted[0] : null;
    const lastYear = yearsSorted.length ? yearsSorted[yearsSorted.length - 1] : null;
    const releasesPerYear: { year: number; movies: number }[] = [];
    if (firstYear !== null && lastYear !== null) {
      for (let y = firstYear; y <= lastYear; y++) releasesPerYear.push({ year: y, movies: this.years.get(y) ?? 0 });
    }

    const quarantined: ReasonCount[] = sortedCounts(this.quarantine).map(([key, rows]) => {
      const [table, reason] = key.split('\u0000');
      return { table, reason, rows };
    });
    const label = (r: ReasonCount) => `${r.table ?? ''}: ${r.reason}`;
    const dropped = [
      ...droppedReasons('extract', stages.extract?.counts),
      ...droppedReasons('transform', stages.transform?.counts),
    ].sort((a, b) => b.rows - a.rows || (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0));
    const stageCounts: Record<string, Record<string, number>> = {};
    const stageQuarantine: Record<string, Record<string, number>> = {};
    for (const [name, r] of Object.entries(stages)) {
      if (r?.counts) stageCounts[name] = r.counts;
      if (r?.quarantine) stageQuarantine[name] = r.quarantine;
    }

    return {
      schemaVersion: EDA_SUMMARY_SCHEMA_VERSION,
      generatedAt: this.opts.generatedAt ?? new Date().toISOString(),
      catalog: {
        movies: n,
        firstYear,
        lastYear,
        withBudget: this.withBudget,
        withRevenue: this.withRevenue,
        withBudgetAndRevenue: this.withBoth,
        withRuntime: this.runtimes.total,
        withCredits: this.withCredits,
      },
      genres: this.topNamed(this.genres, Infinity, this.moviesWithoutGenre),
      releasesPerYear,
      runtime: this.runtimeSummary(),
      budgetRevenue: this.budgetRevenue(),
      correlation: this.correlation(),
      titleWords: {
        titles: n,
        tokens: this.wordTokens,
        stopWordTokens: this.stopWordTokens,
        distinct: this.wordTitles.size,
        stopWordLists: STOP_WORD_LISTS,
        top: sortedCounts(this.wordTitles)
          .slice(0, this.opts.topWords ?? 30)
          .map(([word, titles]) => ({ word, titles, occurrences: this.wordOccurrences.get(word) ?? 0 })),
      },
      languages: this.topCoded(this.languages, topN, this.moviesWithoutLanguage, (code) => languageName(code)),
      countries: this.topCoded(this.countries, topN, this.moviesWithoutCountry, (code) =>
        countryName(code, this.countryNames.get(code)),
      ),
      companies: this.topNamed(this.companies, topN, this.moviesWithoutCompany),
      quality: {
        columns: COLUMN_RULES.map((rule, i) => ({
          column: rule.column,
          missingWhen: rule.missingWhen,
          missing: this.missing[i],
          share: n > 0 ? (round(this.missing[i] / n, 4) ?? 0) : 0,
        })),
        quarantined,
        quarantinedTotal: quarantined.reduce((s, q) => s + q.rows, 0),
        dropped,
        droppedTotal: dropped.reduce((s, d) => s + d.rows, 0),
        stageCounts,
        stageQuarantine,
      },
    };
  }

  private topNamed(counts: Map<string, number>, limit: number, without: number): TopList<NamedCount> {
    return {
      top: sortedCounts(counts)
        .slice(0, limit)
        .map(([name, movies]) => ({ name, movies })),
      distinct: counts.size,
      moviesWithout: without,
    };
  }

  private topCoded(
    counts: Map<string, number>,
    limit: number,
    without: number,
    name: (code: string) => string,
  ): TopList<CodedCount> {
    return {
      top: sortedCounts(counts)
        .slice(0, limit)
        .map(([code, movies]) => ({ code, name: name(code), movies })),
      distinct: counts.size,
      moviesWithout: without,
    };
  }

  private runtimeSummary(): EdaSummary['runtime'] {
    const binMinutes = this.opts.runtimeBinMinutes ?? 10;
    const overflowFrom = this.opts.runtimeOverflowFrom ?? 240;
    const nBins = Math.ceil(overflowFrom / binMinutes);
    const counts = new Array<number>(nBins + 1).fill(0);
    let min = Infinity;
    let max = -Infinity;
    for (const [r, c] of this.runtimes.entries()) {
      counts[r >= overflowFrom ? nBins : Math.floor(r / binMinutes)] += c;
      if (r < min) min = r;
      if (r > max) max = r;
    }
    const known = this.runtimes.total;
    return {
      binMinutes,
      overflowFrom,
      bins: counts.map((movies, i) => ({
        from: i * binMinutes,
        to: i === nBins ? null : Math.min((i + 1) * binMinutes, overflowFrom),
        movies,
      })),
      known,
      unknown: this.runtimeUnknown,
      min: known ? min : null,
      max: known ? max : null,
      mean: round(this.runtimes.mean(), 2),
      median: this.runtimes.median(),
    };
  }

  private budgetRevenue(): EdaSummary['budgetRevenue'] {
    const points = this.points.values();
    return {
      movies: this.withBoth,
      excluded: this.movies - this.withBoth,
      pearsonLog10: round(this.logPearson.r()),
      revenueAboveBudget: this.revenueAboveBudget,
      plotted: points.length,
      points,
    };
  }

  private correlation(): EdaSummary['correlation'] {
    const cells: CorrelationCell[] = [];
    const known = {} as Record<CorrelationColumn, number>;
    const k = CORRELATION_COLUMNS.length;
    CORRELATION_COLUMNS.forEach((c, i) => (known[c] = this.corrKnown[i]));
    CORRELATION_COLUMNS.forEach((y, yi) => {
      CORRELATION_COLUMNS.forEach((x, xi) => {
        const p = this.corr[yi * k + xi];
        cells.push({ x, y, r: round(p.r()), n: p.n });
      });
    });
    return { method: 'pearson', columns: [...CORRELATION_COLUMNS], unknownWhen: UNKNOWN_WHEN, known, cells };
  }
}

/** Summary of in-memory records (tests, small catalogs); the stage streams into an EdaAccumulator. */
export function summarize(
  movies: Iterable<Movie>,
  quarantine: Iterable<QuarantineRecord>,
  stages: StageInputs = {},
  opts: SummaryOptions = {},
): EdaSummary {
  const acc = new EdaAccumulator(opts);
  for (const m of movies) acc.addMovie(m);
  for (const q of quarantine) acc.addQuarantine(q);
  return acc.finish(stages);
}

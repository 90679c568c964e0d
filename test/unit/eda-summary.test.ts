// The EDA summary on the handmade fixture (test/fixtures/eda): every number is checked against
// an expectation computed here, independently of pipeline/eda (its own loops, its own Pearson).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { summarize } from '../../pipeline/eda/summarize.js';
import { CORRELATION_COLUMNS, type CorrelationColumn } from '../../pipeline/eda/summary-types.js';
import { titleWords } from '../../pipeline/eda/title-words.js';
import { isStopWord } from '../../pipeline/eda/stopwords.js';
import type { Movie, QuarantineRecord, StageResult } from '../../pipeline/types.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'eda');
const lines = <T>(f: string): T[] =>
  readFileSync(path.join(FIXTURE, f), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
const movies = lines<Movie>('catalog.jsonl');
const quarantine = lines<QuarantineRecord>('quarantine.jsonl');
const extract = JSON.parse(readFileSync(path.join(FIXTURE, 'stages', 'extract.json'), 'utf8')) as StageResult;
const transform = JSON.parse(readFileSync(path.join(FIXTURE, 'stages', 'transform.json'), 'utf8')) as StageResult;
const GENERATED = '2024-01-01T00:00:00.000Z';
const s = summarize(movies, quarantine, { extract, transform }, { generatedAt: GENERATED });

function tally(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Pearson by the one-pass sums formula (the code under test uses two passes over deviations). */
function pearsonSums(pairs: [number, number][]): number | null {
  const n = pairs.length;
  if (n < 3) return null;
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (const [x, y] of pairs) {
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  const den = Math.sqrt(n * sxx - sx * sx) * Math.sqrt(n * syy - sy * sy);
  return den === 0 ? null : (n * sxy - sx * sy) / den;
}

/** The test's own reading of "unknown" per column. */
function known(m: Movie, c: CorrelationColumn): number | null {
  const v: Record<CorrelationColumn, number | null> = {
    budget: m.budget || null,
    revenue: m.revenue || null,
    return: m.return || null,
    popularity: m.popularity,
    voteAverage: m.voteCount === 0 ? null : m.voteAverage,
    voteCount: m.voteCount,
    runtime: m.runtime || null,
  };
  return v[c];
}

describe('EDA summary on the fixture catalog', () => {
  it('counts the catalog', () => {
    expect(s.catalog.movies).toBe(movies.length);
    expect(s.catalog.firstYear).toBe(Math.min(...movies.map((m) => m.releaseYear)));
    expect(s.catalog.lastYear).toBe(Math.max(...movies.map((m) => m.releaseYear)));
    expect(s.catalog.withBudget).toBe(movies.filter((m) => m.budget > 0).length);
    expect(s.catalog.withRevenue).toBe(movies.filter((m) => m.revenue > 0).length);
    expect(s.catalog.withBudgetAndRevenue).toBe(movies.filter((m) => m.budget > 0 && m.revenue > 0).length);
    expect(s.catalog.withCredits).toBe(movies.filter((m) => m.hasCredits).length);
    expect(s.generatedAt).toBe(GENERATED);
  });

  it('counts movies per genre, each movie once per genre, most first', () => {
    const expected = tally(movies.flatMap((m) => [...new Set(m.genres)]));
    expect(new Map(s.genres.top.map((g) => [g.name, g.movies]))).toEqual(expected);
    expect(s.genres.top.find((g) => g.name === 'Comedy')?.movies).toBe(1); // listed twice in one movie
    expect(s.genres.moviesWithout).toBe(movies.filter((m) => m.genres.length === 0).length);
    const counts = s.genres.top.map((g) => g.movies);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(s.genres.top[0]).toEqual({ name: 'Drama', movies: movies.filter((m) => m.genres.includes('Drama')).length });
  });

  it('buckets releases per year, with the empty years in between', () => {
    const years = movies.map((m) => m.releaseYear);
    const expected: { year: number; movies: number }[] = [];
    for (let y = Math.min(...years); y <= Math.max(...years); y++) {
      expected.push({ year: y, movies: years.filter((x) => x === y).length });
    }
    expect(s.releasesPerYear).toEqual(expected);
    expect(s.releasesPerYear.filter((r) => r.movies === 0).map((r) => r.year)).toEqual([1998, 1999]);
  });

  it('bins runtimes in 10-minute bins with an open 240+ bin, leaving out unknown runtimes', () => {
    const runtimes = movies.map((m) => m.runtime).filter((r): r is number => r !== null && r > 0);
    expect(s.runtime.known).toBe(runtimes.length);
    expect(s.runtime.unknown).toBe(movies.length - runtimes.length);
    expect(s.runtime.bins).toHaveLength(25);
    for (const b of s.runtime.bins) {
      const inBin = runtimes.filter((r) => r >= b.from && (b.to === null || r < b.to)).length;
      expect(b.movies, `bin ${b.from}-${b.to}`).toBe(inBin);
    }
    expect(s.runtime.bins.at(-1)).toEqual({ from: 240, to: null, movies: runtimes.filter((r) => r >= 240).length });
    const sorted = [...runtimes].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    expect(s.runtime.median).toBe(sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2);
    expect(s.runtime.min).toBe(sorted[0]);
    expect(s.runtime.max).toBe(sorted.at(-1));
  });

  it('plots budget vs revenue only for movies with both above 0', () => {
    const both = movies.filter((m) => m.budget > 0 && m.revenue > 0);
    expect(s.budgetRevenue.points.map((p) => p.id)).toEqual(both.map((m) => m.id).sort((a, b) => a - b));
    expect(s.budgetRevenue.excluded).toBe(movies.length - both.length);
    expect(s.budgetRevenue.revenueAboveBudget).toBe(both.filter((m) => m.revenue > m.budget).length);
    const r = pearsonSums(both.map((m) => [Math.log10(m.budget), Math.log10(m.revenue)]));
    expect(s.budgetRevenue.pearsonLog10).toBeCloseTo(r!, 3);
  });

  it('computes the Pearson matrix with unknown values left out pairwise', () => {
    expect(s.correlation.cells).toHaveLength(CORRELATION_COLUMNS.length ** 2);
    for (const cell of s.correlation.cells) {
      const pairs = movies
        .map((m) => [known(m, cell.x), known(m, cell.y)] as const)
        .filter((p): p is [number, number] => p[0] !== null && p[1] !== null);
      expect(cell.n, `${cell.y} x ${cell.x}`).toBe(pairs.length);
      const r = pearsonSums(pairs);
      if (r === null) expect(cell.r).toBeNull();
      else expect(cell.r, `${cell.y} x ${cell.x}`).toBeCloseTo(r, 3);
    }
    const diag = s.correlation.cells.filter((c) => c.x === c.y);
    expect(diag.every((c) => c.r === 1)).toBe(true);
    // symmetric
    for (const c of s.correlation.cells) {
      expect(s.correlation.cells.find((d) => d.x === c.y && d.y === c.x)?.r).toBe(c.r);
    }
    expect(s.correlation.known.budget).toBe(movies.filter((m) => m.budget > 0).length);
    expect(s.correlation.known.voteAverage).toBe(movies.filter((m) => m.voteCount > 0).length);
  });

  it('ranks title words without English or Spanish stop words', () => {
    const top = new Map(s.titleWords.top.map((w) => [w.word, w]));
    // hand-checked against the fixture titles
    expect(top.get('man')).toEqual({ word: 'man', titles: 2, occurrences: 2 }); // The Man Who..., Man on Fire
    expect(top.get('love')).toEqual({ word: 'love', titles: 2, occurrences: 2 });
    expect(top.get('rocky')).toEqual({ word: 'rocky', titles: 2, occurrences: 2 }); // II and III are not words
    expect(top.get('new')).toEqual({ word: 'new', titles: 1, occurrences: 2 }); // New York, New York
    expect(top.has('schindler')).toBe(true); // possessive 's removed
    expect(top.has('lumière')).toBe(true);
    for (const stop of ['the', 'who', 'and', 'on', 'el', 'del', 'la', 'de', 'ii', 'iii', '2']) {
      expect(top.has(stop), stop).toBe(false);
    }
    // the ranking: titles desc, ties by word
    const ranked = s.titleWords.top;
    for (let i = 1; i < ranked.length; i++) {
      const [a, b] = [ranked[i - 1], ranked[i]];
      expect(a.titles > b.titles || (a.titles === b.titles && a.word < b.word), `${a.word} before ${b.word}`).toBe(true);
    }
    // every word counted is what the tokenizer yields, and the total agrees
    const all = movies.flatMap((m) => titleWords(m.title).words);
    expect(s.titleWords.tokens).toBe(all.length);
    expect(s.titleWords.distinct).toBe(new Set(all).size);
    expect(all.some((w) => isStopWord(w))).toBe(false);
  });

  it('names languages with Intl and countries with the catalog name', () => {
    const langs = new Map(s.languages.top.map((l) => [l.code, l]));
    expect(langs.get('en')).toEqual({ code: 'en', name: 'English', movies: movies.filter((m) => m.originalLanguage === 'en').length });
    expect(langs.get('es')?.name).toBe('Spanish');
    expect(langs.get('xx')?.name).toBe('xx'); // no CLDR name: the code stays
    expect(s.languages.moviesWithout).toBe(movies.filter((m) => m.originalLanguage === '').length);
    const countries = new Map(s.countries.top.map((c) => [c.code, c]));
    expect(countries.get('SU')?.name).toBe('Soviet Union'); // CLDR would say Russia
    expect(countries.get('ES')?.movies).toBe(movies.filter((m) => m.productionCountries.some((c) => c.code === 'ES')).length);
    expect(countries.get('US')?.movies).toBe(movies.filter((m) => m.productionCountries.some((c) => c.code === 'US')).length);
    const companies = tally(movies.flatMap((m) => [...new Set(m.productionCompanies)]));
    expect(new Map(s.companies.top.map((c) => [c.name, c.movies]))).toEqual(companies);
    expect(s.companies.top[0]).toEqual({ name: 'United Artists', movies: 4 });
  });

  it('counts missing values per column and rows quarantined and dropped by reason', () => {
    const col = (name: string) => s.quality.columns.find((c) => c.column === name)!;
    expect(col('budget').missing).toBe(movies.filter((m) => m.budget === 0).length);
    expect(col('tagline').missing).toBe(movies.filter((m) => m.tagline === '').length);
    expect(col('overview').missing).toBe(movies.filter((m) => m.overview === '').length);
    expect(col('runtime').missing).toBe(movies.filter((m) => !m.runtime).length);
    expect(col('genres').missing).toBe(movies.filter((m) => m.genres.length === 0).length);
    expect(col('hasCredits').missing).toBe(movies.filter((m) => !m.hasCredits).length);
    expect(col('collection').missing).toBe(movies.filter((m) => m.collection === null).length);
    expect(col('budget').share).toBeCloseTo(col('budget').missing / movies.length, 4);

    const byReason = tally(quarantine.map((q) => `${q.table}/${q.reason}`));
    expect(new Map(s.quality.quarantined.map((q) => [`${q.table}/${q.reason}`, q.rows]))).toEqual(byReason);
    expect(s.quality.quarantinedTotal).toBe(quarantine.length);

    // dropped: the specific release-date reasons and keyword repeats; the total key is not counted twice
    // (most rows first, ties by table and reason)
    expect(s.quality.dropped).toEqual([
      { stage: 'extract', table: 'keywords', reason: 'exact duplicate row', rows: extract.counts!.keywords_duplicate_rows },
      { stage: 'transform', table: 'movies', reason: 'missing release date', rows: transform.counts!.dropped_missing_release_date },
      { stage: 'transform', table: 'movies', reason: 'invalid release date', rows: transform.counts!.dropped_invalid_release_date },
    ]);
    expect(s.quality.droppedTotal).toBe(
      transform.counts!.dropped_no_release_date + extract.counts!.keywords_duplicate_rows,
    );
    expect(s.quality.stageCounts).toEqual({ extract: extract.counts, transform: transform.counts });
    expect(s.quality.stageQuarantine).toEqual({ extract: extract.quarantine });
  });

  it('is deterministic: the same inputs give the same summary apart from generatedAt', () => {
    const again = summarize([...movies].reverse(), [...quarantine].reverse(), { extract, transform });
    const strip = ({ generatedAt: _g, ...rest }: typeof s) => rest;
    expect(JSON.stringify(strip(again))).toBe(JSON.stringify(strip(s)));
  });

  it('handles an empty catalog', () => {
    const empty = summarize([], []);
    expect(empty.catalog.movies).toBe(0);
    expect(empty.releasesPerYear).toEqual([]);
    expect(empty.runtime.median).toBeNull();
    expect(empty.correlation.cells.every((c) => c.r === null && c.n === 0)).toBe(true);
    expect(empty.quality.droppedTotal).toBe(0);
  });
});

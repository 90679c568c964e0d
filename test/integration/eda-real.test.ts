// The eda stage on the real shared TMDB files (extract -> transform -> eda into a temp version
// dir): every chart is an SVG with data marks, and the summary agrees with the catalog, the
// quarantine record and the stage counts, recomputed here from the files.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { prepareVersionDir, writeStageResult } from '../../pipeline/artifacts/store.js';
import { loadConfig, SHARED_TMDB_DIR } from '../../pipeline/config.js';
import type { EdaSummary } from '../../pipeline/eda/summary-types.js';
import { SCATTER_POINTS } from '../../pipeline/eda/summarize.js';
import { createLogger } from '../../pipeline/log.js';
import type { StageContext } from '../../pipeline/stages/context.js';
import { runEda } from '../../pipeline/stages/eda.js';
import { runExtract } from '../../pipeline/stages/extract.js';
import { runTransform } from '../../pipeline/stages/transform.js';
import type { Movie, QuarantineRecord, StageResult } from '../../pipeline/types.js';

const VERSION = '20240101T000000000Z-edareal1';

function section(html: string, id: string): string {
  const m = new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(html);
  if (!m) throw new Error(`the report has no section ${id}`);
  return m[0];
}

/** Elements drawn for data rows (not axes/legends): vega gives each the row in aria-label. */
function dataMarks(svg: string, kind?: string): number {
  const re = new RegExp(
    `<(path|text|line|rect)\\b[^>]*aria-label="[^"]+" role="graphics-symbol" aria-roledescription="${kind ?? '(?!axis|legend)[^"]+'}"`,
    'g',
  );
  return (svg.match(re) ?? []).length;
}

function tally(keys: Iterable<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

describe.skipIf(!existsSync(SHARED_TMDB_DIR))('eda stage on the real shared data', () => {
  let root: string;
  let dir: string;
  let eda: StageResult;
  let extract: StageResult;
  let transform: StageResult;
  let movies: Movie[];
  let quarantine: QuarantineRecord[];
  let summary: EdaSummary;
  let html: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mq-eda-real-'));
    const config = loadConfig({ dataDir: SHARED_TMDB_DIR, artifactsDir: root, logLevel: 'silent' });
    dir = await prepareVersionDir(root, VERSION);
    const ctx: StageContext = { config, runId: 'eda-real', version: VERSION, dir, log: createLogger('test', 'silent'), progress: () => {} };
    extract = await runExtract(ctx);
    await writeStageResult(dir, extract);
    transform = await runTransform(ctx);
    await writeStageResult(dir, transform);
    eda = await runEda(ctx);
    movies = await readAllJsonl<Movie>(path.join(dir, 'catalog.jsonl'));
    quarantine = await readAllJsonl<QuarantineRecord>(path.join(dir, 'quarantine.jsonl'));
    summary = JSON.parse(await readFile(path.join(dir, 'eda', 'summary.json'), 'utf8')) as EdaSummary;
    html = await readFile(path.join(dir, 'eda', 'report.html'), 'utf8');
  }, 300_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('reports its files', () => {
    expect(eda.files).toEqual({ edaReport: 'eda/report.html', edaSummary: 'eda/summary.json' });
    expect(eda.info?.emptyCharts).toEqual([]);
    expect(movies.length).toBeGreaterThan(4000);
  });

  it('holds every chart as an SVG with data marks', () => {
    for (const id of eda.info?.charts as string[]) {
      const sec = section(html, id);
      expect(/<svg[^>]+class="marks"/.test(sec), `${id}: svg`).toBe(true);
      expect(dataMarks(sec), `${id}: data marks`).toBeGreaterThan(0);
    }
    expect(dataMarks(section(html, 'genres'), 'bar')).toBe(summary.genres.top.length);
    expect(dataMarks(section(html, 'years'), 'bar')).toBe(summary.releasesPerYear.length);
    expect(dataMarks(section(html, 'title-words'), 'bar')).toBe(summary.titleWords.top.length);
    expect(dataMarks(section(html, 'budget-revenue'), 'circle')).toBe(summary.budgetRevenue.plotted);
    expect(summary.budgetRevenue.plotted).toBe(Math.min(summary.budgetRevenue.movies, SCATTER_POINTS));
    expect(dataMarks(section(html, 'correlation'), 'rect mark')).toBe(49);
    // the bars' labels are the genres themselves
    for (const g of summary.genres.top) expect(section(html, 'genres').includes(`>${g.name}</text>`), g.name).toBe(true);
  });

  it('agrees with the catalog', () => {
    expect(summary.catalog.movies).toBe(movies.length);
    expect(new Map(summary.genres.top.map((g) => [g.name, g.movies]))).toEqual(tally(movies.flatMap((m) => [...new Set(m.genres)])));
    const years = tally(movies.map((m) => String(m.releaseYear)));
    for (const y of summary.releasesPerYear) expect(y.movies, String(y.year)).toBe(years.get(String(y.year)) ?? 0);
    expect(summary.releasesPerYear.reduce((s, y) => s + y.movies, 0)).toBe(movies.length);
    expect(summary.runtime.bins.reduce((s, b) => s + b.movies, 0)).toBe(movies.filter((m) => (m.runtime ?? 0) > 0).length);
    expect(summary.budgetRevenue.movies).toBe(movies.filter((m) => m.budget > 0 && m.revenue > 0).length);
    expect(summary.catalog.withCredits).toBe(movies.filter((m) => m.hasCredits).length);

    const langs = tally(movies.map((m) => m.originalLanguage).filter(Boolean));
    expect(summary.languages.top[0]).toEqual({ code: 'en', name: 'English', movies: langs.get('en') });
    for (const l of summary.languages.top) expect(l.movies, l.code).toBe(langs.get(l.code));
    const companies = tally(movies.flatMap((m) => [...new Set(m.productionCompanies)]));
    for (const c of summary.companies.top) expect(c.movies, c.name).toBe(companies.get(c.name));
    expect(Math.max(...companies.values())).toBe(summary.companies.top[0].movies);

    // title words: each top word is in that many titles (word-boundary match, case-insensitive)
    for (const w of summary.titleWords.top.slice(0, 5)) {
      const re = new RegExp(`(^|[^\\p{L}\\p{N}])${w.word}('s)?($|[^\\p{L}\\p{N}])`, 'iu');
      expect(movies.filter((m) => re.test(m.title)).length, w.word).toBe(w.titles);
    }

    const col = (c: string) => summary.quality.columns.find((q) => q.column === c)!.missing;
    expect(col('budget')).toBe(movies.filter((m) => m.budget === 0).length);
    expect(col('overview')).toBe(movies.filter((m) => m.overview.trim() === '').length);
    expect(col('cast')).toBe(movies.filter((m) => m.cast.length === 0).length);
  });

  it('agrees with the quarantine record and the stage counts', () => {
    expect(new Map(summary.quality.quarantined.map((q) => [`${q.table}/${q.reason}`, q.rows]))).toEqual(
      tally(quarantine.map((q) => `${q.table}/${q.reason}`)),
    );
    expect(summary.quality.quarantinedTotal).toBe(quarantine.length);
    const tc = transform.counts!;
    const dropped = (table: string, reason: string) =>
      summary.quality.dropped.find((d) => d.table === table && d.reason === reason)?.rows ?? 0;
    expect(dropped('movies', 'missing release date') + dropped('movies', 'invalid release date')).toBe(tc.dropped_no_release_date);
    expect(dropped('keywords', 'exact duplicate row')).toBe(extract.counts!.keywords_duplicate_rows);
    expect(summary.quality.stageCounts.transform).toEqual(tc);
    // every row read is published, quarantined or dropped
    expect(extract.counts!.movies_rows_read).toBe(
      movies.length +
        quarantine.filter((q) => q.table === 'movies').length +
        dropped('movies', 'missing release date') +
        dropped('movies', 'invalid release date'),
    );
  });
});

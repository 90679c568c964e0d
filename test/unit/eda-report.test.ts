// The eda stage on the fixture version dir: files, StageResult, and a self-contained HTML report
// whose charts are SVGs with marks drawn from the data.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { reportCharts } from '../../pipeline/eda/charts.js';
import { summarize } from '../../pipeline/eda/summarize.js';
import type { EdaSummary } from '../../pipeline/eda/summary-types.js';
import { helveticaWidth } from '../../pipeline/eda/text-width.js';
import type { Progress, StageContext } from '../../pipeline/stages/context.js';
import { runEda } from '../../pipeline/stages/eda.js';
import type { Movie, QuarantineRecord, StageResult } from '../../pipeline/types.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'eda');
const CHART_IDS = [
  'genres',
  'years',
  'runtime',
  'budget-revenue',
  'correlation',
  'title-words',
  'languages',
  'countries',
  'companies',
  'missing',
  'not-admitted',
];

function context(dir: string, progress: Progress[] = []): StageContext {
  return {
    config: loadConfig({ artifactsDir: path.dirname(dir), logLevel: 'silent' }),
    runId: 'test-run',
    version: path.basename(dir),
    dir,
    log: createLogger('test', 'silent'),
    progress: (p) => progress.push(p),
  };
}

/** Elements vega drew for data rows (not axes or legends): each carries the row in aria-label. */
function dataMarks(svg: string): number {
  return (svg.match(/<(path|text|line|rect)\b[^>]*aria-label="[^"]+" role="graphics-symbol" aria-roledescription="(?!axis|legend)[^"]+"/g) ?? []).length;
}

/** The <section id=...> of a chart, its SVG and what is drawn in it. */
function chartSection(html: string, id: string): string {
  const m = new RegExp(`<section id="${id}">[\\s\\S]*?</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[0];
}

describe('eda stage on the fixture version', () => {
  let root: string;
  let dir: string;
  let result: StageResult;
  let html: string;
  let summary: EdaSummary;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mq-eda-'));
    dir = path.join(root, '20240101T000000000Z-edafixture');
    await cp(FIXTURE, dir, { recursive: true });
    result = await runEda(context(dir));
    html = await readFile(path.join(dir, 'eda', 'report.html'), 'utf8');
    summary = JSON.parse(await readFile(path.join(dir, 'eda', 'summary.json'), 'utf8')) as EdaSummary;
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports its files and counts', () => {
    expect(result.stage).toBe('eda');
    expect(result.files).toEqual({ edaReport: 'eda/report.html', edaSummary: 'eda/summary.json' });
    expect(result.counts).toEqual({ edaMovies: 14, edaCharts: CHART_IDS.length });
    expect(result.info?.charts).toEqual(CHART_IDS);
    expect(result.info?.emptyCharts).toEqual([]);
  });

  it('writes the summary of the version dir inputs', async () => {
    const movies = await readAllJsonl<Movie>(path.join(dir, 'catalog.jsonl'));
    const quarantine = await readAllJsonl<QuarantineRecord>(path.join(dir, 'quarantine.jsonl'));
    const stages = {
      extract: JSON.parse(await readFile(path.join(dir, 'stages', 'extract.json'), 'utf8')) as StageResult,
      transform: JSON.parse(await readFile(path.join(dir, 'stages', 'transform.json'), 'utf8')) as StageResult,
    };
    const expected = summarize(movies, quarantine, stages, { generatedAt: summary.generatedAt });
    expect(summary).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(summary.quality.quarantinedTotal).toBe(5);
    expect(summary.quality.droppedTotal).toBe(5);
  });

  it('renders a self-contained page: no scripts, no external resources', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(/<script/i.test(html)).toBe(false);
    expect(/<link\b/i.test(html)).toBe(false);
    expect(/@import|@font-face|url\(\s*['"]?https?:/i.test(html)).toBe(false);
    expect(/\b(src|href)="(https?:)?\/\//i.test(html)).toBe(false);
    expect(html.includes('20240101T000000000Z-edafixture')).toBe(true);
  });

  it('holds every chart as an SVG with marks drawn from the data', () => {
    for (const id of CHART_IDS) {
      const sec = chartSection(html, id);
      expect(/<svg[^>]+class="marks"/.test(sec), `${id} has an svg`).toBe(true);
      expect(dataMarks(sec), `${id} has data marks`).toBeGreaterThan(0);
    }
    // bars: one path per genre in the genres chart, labelled with each genre name
    const genres = chartSection(html, 'genres');
    for (const g of summary.genres.top) expect(genres.includes(`>${g.name}</text>`), g.name).toBe(true);
    expect((genres.match(/aria-roledescription="bar"/g) ?? []).length).toBe(summary.genres.top.length);
    // scatter: a circle symbol per movie with budget and revenue
    const scatter = chartSection(html, 'budget-revenue');
    const symbols = scatter.match(/<path [^>]*transform="translate\([^)]+\)"[^>]*d="M[^"]*A/g) ?? [];
    expect(symbols.length).toBe(summary.budgetRevenue.movies);
    // heatmap: every r value printed
    const heat = chartSection(html, 'correlation');
    for (const c of summary.correlation.cells) {
      if (c.r !== null) expect(heat.includes(`>${c.r.toFixed(2)}</text>`), `${c.y} x ${c.x}`).toBe(true);
    }
    // title words and the quality chart name what they count
    expect(chartSection(html, 'title-words').includes('>rocky</text>')).toBe(true);
    expect(chartSection(html, 'not-admitted').includes('>movies: shifted_columns</text>')).toBe(true);
    expect(chartSection(html, 'not-admitted').includes('>keywords: exact duplicate row</text>')).toBe(true);
  });

  it('keeps SVG ids unique across the page', () => {
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
  });

  it('writes the same summary and page on a re-run, apart from the generation time', async () => {
    const first = html;
    const firstSummary = summary;
    await runEda(context(dir));
    const again = JSON.parse(await readFile(path.join(dir, 'eda', 'summary.json'), 'utf8')) as EdaSummary;
    expect({ ...again, generatedAt: '' }).toEqual({ ...firstSummary, generatedAt: '' });
    const html2 = await readFile(path.join(dir, 'eda', 'report.html'), 'utf8');
    // (compared without printing two whole pages on failure)
    expect(html2.replaceAll(again.generatedAt, '') === first.replaceAll(firstSummary.generatedAt, '')).toBe(true);
  });

  it('says which charts are empty instead of drawing nothing', async () => {
    const d = path.join(root, '20240101T000000000Z-nobudget');
    await cp(FIXTURE, d, { recursive: true });
    const movies = await readAllJsonl<Movie>(path.join(d, 'catalog.jsonl'));
    await writeFile(
      path.join(d, 'catalog.jsonl'),
      movies.map((m) => JSON.stringify({ ...m, budget: 0, return: 0 })).join('\n') + '\n',
    );
    const r = await runEda(context(d));
    expect(r.info?.emptyCharts).toEqual(['budget-revenue']);
    const page = await readFile(path.join(d, 'eda', 'report.html'), 'utf8');
    expect(chartSection(page, 'budget-revenue').includes('No movie has both a budget and a revenue above 0.')).toBe(true);
  });

  it('fails clearly without a catalog', async () => {
    const d = path.join(root, '20240101T000000000Z-empty');
    await cp(path.join(FIXTURE, 'stages'), path.join(d, 'stages'), { recursive: true });
    await expect(runEda(context(d))).rejects.toThrow(/cleaned catalog \(catalog\.arrow\) is missing .* transform stage must run first/);
    expect(existsSync(path.join(d, 'eda', 'report.html'))).toBe(false);
  });
});

describe('report charts', () => {
  it('gives every chart a title, a description and a spec or an empty message', () => {
    const movies: Movie[] = [];
    const empty = reportCharts(summarize(movies, []));
    expect(empty.map((c) => c.id)).toEqual(CHART_IDS);
    for (const c of empty) {
      expect(c.spec, c.id).toBeNull();
      expect(c.empty, c.id).toBeTruthy();
    }
  });

  it('measures label widths like the report font does, not at 0.8 em a character', () => {
    // Helvetica/Arial: "Drama" is 3.000 em wide (D 722 + r 333 + a 556 + m 833 + a 556), 36px at 12px;
    // vega's fallback guesses 0.8 * 5 * 12 = 48
    expect(helveticaWidth('Drama', 12)).toBeCloseTo(36, 5);
    expect(helveticaWidth('WWW', 10)).toBeGreaterThan(helveticaWidth('iii', 10) * 4);
    expect(helveticaWidth('Drama', 12, true)).toBeGreaterThan(helveticaWidth('Drama', 12));
  });
});

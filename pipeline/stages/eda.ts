import { catalogMovies } from '../catalog-columns/movies.js';
import { CATALOG_COLUMNS_FILE } from '../catalog-columns/schema.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { timedStage, type StageContext } from './context.js';
import type { QuarantineRecord, StageResult } from '../types.js';
import { FILES, readStageResult, versionDir } from '../artifacts/store.js';
import { codeFilesIn, codeKey, readReuseMarker } from '../etl/reuse.js';
import { readAllJsonl, readJsonl, writeJsonAtomic } from '../artifacts/files.js';
import { summarizePlatforms, type PlatformSummary } from '../eda/platforms.js';
import { PLATFORM_FILES, type PlatformTitle, type TitleScore } from '../platforms/types.js';
import { EdaAccumulator } from '../eda/summarize.js';
import type { EdaSummary } from '../eda/summary-types.js';
import { renderReport } from '../eda/report-html.js';
import { EDA_FILES, EDA_FILE_ROLES } from '../eda/paths.js';

const PROGRESS_EVERY = 5000;

/** The platform catalog's summary, or null when the version has none. */
async function platformSummary(dir: string): Promise<PlatformSummary | null> {
  const titlesFile = path.join(dir, PLATFORM_FILES.titles);
  if (!existsSync(titlesFile)) return null;
  const titles = await readAllJsonl<PlatformTitle>(titlesFile);
  if (titles.length === 0) return null;
  const scoresFile = path.join(dir, PLATFORM_FILES.scores);
  const scores = existsSync(scoresFile) ? await readAllJsonl<TitleScore>(scoresFile) : [];
  const stages = await Promise.all((['platforms', 'scores', 'link'] as const).map((s) => readStageResult(dir, s)));
  const counts = Object.assign({}, ...stages.map((r) => r?.counts ?? {})) as Record<string, number>;
  const quarantine: Record<string, number> = {};
  for (const r of stages) for (const [k, n] of Object.entries(r?.quarantine ?? {})) quarantine[k] = (quarantine[k] ?? 0) + n;
  const source = String((stages[1]?.info as { source?: string } | undefined)?.source ?? 'none');
  return summarizePlatforms(titles, scores, counts, quarantine, source);
}

let edaKeyMemo: Promise<string> | null = null;

/** sha256 of the code that turns a catalog into its summary (pipeline/eda/ and this stage). */
function edaCodeKey(): Promise<string> {
  edaKeyMemo ??= (async () => {
    const here = fileURLToPath(import.meta.url);
    return codeKey([...(await codeFilesIn(path.join(path.dirname(here), '..', 'eda'))), here]);
  })();
  return edaKeyMemo;
}

/**
 * The summary of the version whose cleaned catalog this one linked (a warm rebuild: same input
 * bytes and ETL code), when the EDA code is also the same: its catalog part would come out identical.
 */
async function reusableSummary(ctx: StageContext, key: string): Promise<{ from: string; summary: EdaSummary } | null> {
  const from = await readReuseMarker(ctx.dir);
  if (!from) return null;
  const dir = versionDir(ctx.config.artifactsDir, from);
  const prev = await readStageResult(dir, 'eda');
  const file = path.join(dir, EDA_FILES.summary);
  if ((prev?.info as { codeKey?: string } | undefined)?.codeKey !== key || !existsSync(file)) return null;
  return { from, summary: JSON.parse(await readFile(file, 'utf8')) as EdaSummary };
}

/** One pass over the catalog and the quarantine record. */
async function summarizeCatalog(ctx: StageContext, catalogPath: string): Promise<EdaSummary> {
  const acc = new EdaAccumulator();
  let movies = 0;
  for await (const m of catalogMovies(catalogPath)) {
    acc.addMovie(m);
    if (++movies % PROGRESS_EVERY === 0) {
      ctx.signal?.throwIfAborted();
      ctx.progress({ stage: 'eda', done: movies, unit: 'movies', message: 'summarising the catalog' });
    }
  }
  const quarantinePath = path.join(ctx.dir, FILES.quarantine);
  if (existsSync(quarantinePath)) {
    for await (const q of readJsonl<QuarantineRecord>(quarantinePath)) acc.addQuarantine(q);
  }
  const [extract, transform] = await Promise.all([readStageResult(ctx.dir, 'extract'), readStageResult(ctx.dir, 'transform')]);
  return acc.finish({ extract, transform });
}

/**
 * EDA stage: reads the cleaned catalog, the quarantine record and the extract/transform counts of
 * the version dir, writes eda/summary.json (the numbers) and eda/report.html (the charts).
 * Rewrites only those two files, so re-running it is safe.
 */
export async function runEda(ctx: StageContext): Promise<StageResult> {
  return timedStage('eda', async () => {
    const catalogPath = path.join(ctx.dir, FILES.catalog);
    if (!existsSync(path.join(ctx.dir, CATALOG_COLUMNS_FILE)) && !existsSync(catalogPath)) {
      throw new Error(`eda: the cleaned catalog (${CATALOG_COLUMNS_FILE}) is missing in version ${path.basename(ctx.dir)}; the transform stage must run first`);
    }
    const key = await edaCodeKey();
    const reused = await reusableSummary(ctx, key);
    const summary = reused ? { ...reused.summary, generatedAt: new Date().toISOString() } : await summarizeCatalog(ctx, catalogPath);
    delete summary.platforms;
    const movies = summary.catalog.movies;
    if (reused) ctx.log.info({ from: reused.from }, 'catalog summary reused from the version whose catalog was linked');
    const platforms = await platformSummary(ctx.dir);
    if (platforms) summary.platforms = platforms;
    ctx.progress({ stage: 'eda', done: movies, total: movies, unit: 'movies', message: 'rendering charts' });
    ctx.signal?.throwIfAborted();

    await mkdir(path.join(ctx.dir, EDA_FILES.dir), { recursive: true });
    await writeJsonAtomic(path.join(ctx.dir, EDA_FILES.summary), summary);
    const report = await renderReport(summary, {
      version: ctx.version,
      summaryHref: path.posix.relative(path.posix.dirname(EDA_FILES.report), EDA_FILES.summary),
    });
    const reportPath = path.join(ctx.dir, EDA_FILES.report);
    const tmp = `${reportPath}.tmp-${process.pid}`;
    await writeFile(tmp, report.html);
    await rename(tmp, reportPath);
    ctx.log.info({ movies, charts: report.charts.length, report: reportPath }, 'eda report written');

    return {
      counts: { edaMovies: movies, edaCharts: report.charts.filter((c) => c.svg).length },
      files: { ...EDA_FILE_ROLES },
      info: {
        report: EDA_FILES.report,
        summary: EDA_FILES.summary,
        charts: report.charts.map((c) => c.id),
        emptyCharts: report.charts.filter((c) => !c.svg).map((c) => c.id),
        reportBytes: Buffer.byteLength(report.html),
        codeKey: key,
        reusedFrom: reused?.from ?? null,
      },
    };
  });
}

import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { timedStage, type StageContext } from './context.js';
import type { Movie, QuarantineRecord, StageResult } from '../types.js';
import { FILES, readStageResult } from '../artifacts/store.js';
import { readAllJsonl, readJsonl, writeJsonAtomic } from '../artifacts/files.js';
import { summarizePlatforms, type PlatformSummary } from '../eda/platforms.js';
import { PLATFORM_FILES, type PlatformTitle, type TitleScore } from '../platforms/types.js';
import { EdaAccumulator } from '../eda/summarize.js';
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

/**
 * EDA stage: reads the cleaned catalog, the quarantine record and the extract/transform counts of
 * the version dir, writes eda/summary.json (the numbers) and eda/report.html (the charts).
 * Rewrites only those two files, so re-running it is safe.
 */
export async function runEda(ctx: StageContext): Promise<StageResult> {
  return timedStage('eda', async () => {
    const catalogPath = path.join(ctx.dir, FILES.catalog);
    if (!existsSync(catalogPath)) {
      throw new Error(`eda: ${FILES.catalog} is missing in ${ctx.dir}; the transform stage must run first`);
    }
    const acc = new EdaAccumulator();
    let movies = 0;
    for await (const m of readJsonl<Movie>(catalogPath)) {
      acc.addMovie(m);
      if (++movies % PROGRESS_EVERY === 0) {
        ctx.signal?.throwIfAborted();
        ctx.progress({ stage: 'eda', done: movies, unit: 'movies', message: 'summarising the catalog' });
      }
    }
    const quarantinePath = path.join(ctx.dir, FILES.quarantine);
    let quarantined = 0;
    if (existsSync(quarantinePath)) {
      for await (const q of readJsonl<QuarantineRecord>(quarantinePath)) {
        acc.addQuarantine(q);
        quarantined++;
      }
    }
    const [extract, transform] = await Promise.all([
      readStageResult(ctx.dir, 'extract'),
      readStageResult(ctx.dir, 'transform'),
    ]);
    const summary = acc.finish({ extract, transform });
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
    ctx.log.info({ movies, quarantined, charts: report.charts.length, report: reportPath }, 'eda report written');

    return {
      counts: { edaMovies: movies, edaCharts: report.charts.filter((c) => c.svg).length },
      files: { ...EDA_FILE_ROLES },
      info: {
        report: EDA_FILES.report,
        summary: EDA_FILES.summary,
        charts: report.charts.map((c) => c.id),
        emptyCharts: report.charts.filter((c) => !c.svg).map((c) => c.id),
        reportBytes: Buffer.byteLength(report.html),
      },
    };
  });
}

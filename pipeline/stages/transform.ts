// Transform: extract/ outputs -> catalog.jsonl (cleaned Movie records, sorted by id), the same as
// columns in catalog.arrow (what the service loads), and quarantine.jsonl.
import { CatalogColumnsBuilder } from '../catalog-columns/builder.js';
import { catalogMovies } from '../catalog-columns/movies.js';
import { writeCatalogColumns } from '../catalog-columns/files.js';
import { CATALOG_COLUMNS_FILE } from '../catalog-columns/schema.js';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { timedStage, type StageContext } from './context.js';
import { FILES } from '../artifacts/store.js';
import { BufferedJsonlWriter, readJsonLines } from '../etl/lines.js';
import { EXTRACT_FILES, type ExtractedMovie } from '../etl/extracted.js';
import { cleanMovie, type Tally } from '../etl/cleaning.js';
import { ProgressThrottle } from '../etl/progress.js';
import { joinedPartPath, joinPartitions, PARTS, rangesOf, routeCreditsAndKeywords, type RangeSpec } from '../etl/join.js';
import type { JoinResult, TransformTask } from '../etl/transform-worker.js';
import { MOVIES_PER_PARTITION, PartitionFiles, removeDir, scanIds } from '../etl/partitions.js';
import { runHelper } from '../runtime/helper-thread.js';
import { entryUrl } from '../runtime/entry.js';
import { CATALOG_FILES, linkCatalog, readReuseMarker, REQUIRED_CATALOG_FILES } from '../etl/reuse.js';
import { readStageResult, versionDir } from '../artifacts/store.js';
import type { Movie, StageResult } from '../types.js';

export const DROPPED_FILE = 'dropped.jsonl';

/** A movies row left out of the catalog by a cleaning rule (not a malformed row: those are quarantined). */
export interface DroppedRecord {
  id: number;
  title: string;
  file: string;
  row: number;
  reason: 'missing_release_date' | 'invalid_release_date';
  value: string;
}

export async function runTransform(ctx: StageContext): Promise<StageResult> {
  return timedStage('transform', async () => {
    const from = await readReuseMarker(ctx.dir);
    if (from) return reuseCatalog(ctx, from);
    const inDir = path.join(ctx.dir, FILES.extractDir);
    const input = (f: string) => {
      const p = path.join(inDir, f);
      if (!existsSync(p)) throw new Error(`transform needs ${p}: run extract first`);
      return p;
    };
    const counts: Record<string, number> = {
      movies_published: 0,
      dropped_no_release_date: 0,
      dropped_missing_release_date: 0,
      dropped_invalid_release_date: 0,
      budget_not_numeric: 0,
      revenue_not_numeric: 0,
      movies_with_credits: 0,
      movies_with_keywords: 0,
      credits_without_movie: 0,
      keywords_without_movie: 0,
    };
    const tally: Tally = (k, n = 1) => {
      counts[k] = (counts[k] ?? 0) + n;
    };
    let done = 0;
    const progress = new ProgressThrottle((d, message) =>
      ctx.progress({ stage: 'transform', done: d, unit: 'rows', message }),
    );

    // Joined one id range at a time (partitions on disk): memory is one partition's movies, whatever
    // the catalog's size. The order of records within a partition is the input order, so later
    // credits/keywords rows for a movie still replace earlier ones, as in one in-memory join. From two
    // partitions a helper thread routes the credits and keywords while this one cleans the movies,
    // then joins the later half of the partitions while this one joins the earlier half.
    const scanned = (await extractedIds(ctx.dir)) ?? (await scanIds(input(EXTRACT_FILES.movies)));
    // two threads join at once past one partition: each a half-size partition, so the movies held are as with one
    const perPartition = ctx.moviesPerPartition ?? (scanned.count > MOVIES_PER_PARTITION ? MOVIES_PER_PARTITION / 2 : MOVIES_PER_PARTITION);
    const spec: RangeSpec = { ...scanned, perPartition };
    const ranges = rangesOf(spec);
    const twoThreads = ranges.parts >= 2;
    const tmpDir = path.join(ctx.dir, FILES.extractDir, `transform-partitions-${process.pid}`);
    await mkdir(tmpDir, { recursive: true });
    const stopHelpers = new AbortController();
    const helpers: Promise<unknown>[] = [];
    const helper = (task: TransformTask, onDone: (d: number) => void) => {
      const run = runHelper<JoinResult | undefined>(entryUrl('../etl/transform-worker.ts', import.meta.url), task, 'transform helper', onDone, stopHelpers.signal);
      // awaited where its result is needed; a failure before then must not go unhandled
      run.catch(() => {});
      helpers.push(run);
      return run;
    };
    let helperDone = 0;
    const report = (message: string) => progress.report(done + helperDone, message);
    try {
      // 1. credits and keywords (the big input) to their movies' partitions, reduced to names
      const credits = input(EXTRACT_FILES.credits);
      const keywords = input(EXTRACT_FILES.keywords);
      const routed = twoThreads
        ? helper({ kind: 'route', credits, keywords, ranges: spec, tmpDir }, (d) => ((helperDone = d), report('credits and keywords')))
        : null;

      // 2. movies: clean, drop rows without a valid release date (counted and listed in dropped.jsonl)
      const movieParts = await PartitionFiles.create<Movie>(tmpDir, PARTS.movies, ranges.parts);
      const dropped = new BufferedJsonlWriter<DroppedRecord>(path.join(ctx.dir, DROPPED_FILE));
      try {
        for await (const m of readJsonLines<ExtractedMovie>(input(EXTRACT_FILES.movies))) {
          done++;
          report('movies');
          const r = cleanMovie(m, tally);
          if (!r.ok) {
            tally('dropped_no_release_date');
            tally(r.why === 'missing' ? 'dropped_missing_release_date' : 'dropped_invalid_release_date');
            await dropped.write({
              id: m.id,
              title: (m.columns.title ?? '').trim(),
              file: m.file,
              row: m.row,
              reason: r.why === 'missing' ? 'missing_release_date' : 'invalid_release_date',
              value: r.value,
            });
            continue;
          }
          await movieParts.write(ranges.of(m.id), r.movie);
        }
      } catch (e) {
        await Promise.all([dropped.abort(), movieParts.abort()]);
        throw e;
      }
      await dropped.close();
      await movieParts.finish();
      if (routed) await routed;
      else await routeCreditsAndKeywords({ credits, keywords }, ranges, tmpDir, () => void (++done, report('credits and keywords')));
      done += helperDone;
      helperDone = 0;

      // 3. catalog, sorted by id: partitions in id order, each joined and sorted in memory
      // catalog.jsonl is the optional human-readable export (MARQUEE_CATALOG_JSONL); catalog.arrow is what every reader uses
      const catalog = ctx.config.catalogJsonl ? new BufferedJsonlWriter<Movie>(path.join(ctx.dir, FILES.catalog)) : null;
      const columns = new CatalogColumnsBuilder();
      const half = twoThreads ? Math.floor(ranges.parts / 2) : ranges.parts;
      const laterPart = catalog ? joinedPartPath(tmpDir) : null;
      const later = twoThreads
        ? helper({ kind: 'join', tmpDir, from: half, to: ranges.parts, jsonl: laterPart }, (d) => ((helperDone = d), report('catalog')))
        : null;
      try {
        await joinPartitions(tmpDir, 0, half, columns, catalog, tally, (n) => ((done += n), report('catalog')));
        const rest = await later;
        if (rest) {
          columns.append(rest.columns);
          for (const [k, n] of Object.entries(rest.counts)) tally(k, n);
          if (catalog && laterPart) await catalog.appendFile(laterPart, rest.jsonlRecords);
        }
      } catch (e) {
        await catalog?.abort();
        throw e;
      }
      await catalog?.close();
      await writeCatalogColumns(path.join(ctx.dir, CATALOG_COLUMNS_FILE), columns);
      counts.movies_published = columns.count;
      counts.transform_partitions = ranges.parts;
      progress.report(done + helperDone, 'catalog written', true);
    } finally {
      // a helper still running (this thread failed) must not write into the removed dir
      stopHelpers.abort();
      await Promise.allSettled(helpers);
      await removeDir(tmpDir);
    }

    // 5. quarantine.jsonl: every quarantined row (all come from extract's row checks)
    const qOut = path.join(ctx.dir, FILES.quarantine);
    const tmp = `${qOut}.tmp-${process.pid}`;
    await copyFile(input(EXTRACT_FILES.quarantine), tmp);
    await rename(tmp, qOut);

    return {
      counts,
      files: { ...(ctx.config.catalogJsonl && { catalog: FILES.catalog }), catalogColumns: CATALOG_COLUMNS_FILE, quarantine: FILES.quarantine, dropped: DROPPED_FILE },
    };
  });
}

/** The movie ids extract wrote (its stage result says; older version dirs do not). */
async function extractedIds(dir: string): Promise<{ count: number; min: number; max: number } | null> {
  const ids = (await readStageResult(dir, 'extract'))?.info?.movieIds as { count: number; min: number | null; max: number | null } | undefined;
  if (!ids || !Number.isInteger(ids.count)) return null;
  // JSON writes an empty span's infinities as null
  return ids.count > 0 ? { count: ids.count, min: Number(ids.min), max: Number(ids.max) } : { count: 0, min: Infinity, max: -Infinity };
}

/** Extract found a published version built from the same input and code: link its catalog files. */
async function reuseCatalog(ctx: StageContext, from: string): Promise<Omit<StageResult, 'stage' | 'startedAt' | 'ms' | 'peakRssBytes'>> {
  const fromDir = versionDir(ctx.config.artifactsDir, from);
  const prev = await readStageResult(fromDir, 'transform');
  if (!prev || !REQUIRED_CATALOG_FILES.every((f) => existsSync(path.join(fromDir, f)))) {
    throw new Error(`transform: version ${from}, whose cleaned catalog extract chose to reuse, is no longer complete (pruned?); start the rebuild again`);
  }
  const jsonlThere = existsSync(path.join(fromDir, FILES.catalog));
  await linkCatalog(fromDir, ctx.dir, ctx.config.catalogJsonl && jsonlThere ? CATALOG_FILES : REQUIRED_CATALOG_FILES);
  const files = { ...prev.files };
  delete files.catalog;
  if (ctx.config.catalogJsonl) {
    // a version built without the export: written from its columns (the same records; keys in Movie's order)
    if (!jsonlThere) await writeJsonlFromColumns(ctx.dir);
    files.catalog = FILES.catalog;
  }
  ctx.log.info({ from }, 'cleaned catalog linked from a published version');
  return { counts: prev.counts, quarantine: prev.quarantine, files, info: { ...prev.info, reusedFrom: from } };
}

/** catalog.jsonl from the version's catalog.arrow. */
async function writeJsonlFromColumns(dir: string): Promise<void> {
  const out = new BufferedJsonlWriter<Movie>(path.join(dir, FILES.catalog));
  try {
    for await (const m of catalogMovies(path.join(dir, FILES.catalog))) await out.write(m);
  } catch (e) {
    await out.abort();
    throw e;
  }
  await out.close();
}

// Extract: raw CSV(.gz) parts -> validated rows with their Python literals parsed, under <version>/extract/.
// Bad rows go to extract/quarantine.jsonl with a reason and a precise detail; nothing is dropped silently.
import { availableParallelism } from 'node:os';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { timedStage, type StageBody, type StageContext } from './context.js';
import { FILES } from '../artifacts/store.js';
import { discoverInputs, type SourceFile } from '../sources/discover.js';
import { discoverTitleFiles } from '../platforms/extract.js';
import { CsvReaderThread } from '../sources/csv-thread.js';
import { EXTRACT_FILES } from '../etl/extracted.js';
import { findReusable, inputKey, writeReuseMarker } from '../etl/reuse.js';
import {
  CollectingSink,
  extractCredits,
  extractKeywords,
  extractMovies,
  IdSpan,
  type RecordSource,
} from '../etl/extract-tables.js';
import { BufferedJsonlWriter } from '../etl/lines.js';
import { ProgressThrottle } from '../etl/progress.js';
import type { QuarantineRecord, StageResult, Table } from '../types.js';

export interface ExtractOptions {
  /**
   * Decode the CSV (gunzip + csv-parse) on worker threads while this thread checks rows and parses
   * literals. 'auto' (default): when there is a second core and the input is big enough to repay
   * the thread's start-up.
   */
  csvThread?: boolean | 'auto';
}

const THREAD_MIN_BYTES = 8 * 2 ** 20;

async function totalBytes(files: SourceFile[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await stat(f.path)).size;
  return n;
}

export async function runExtract(ctx: StageContext, opts: ExtractOptions = {}): Promise<StageResult> {
  return timedStage('extract', async () => {
    // One family may be absent: without TMDB movies the run builds the platform catalog only (and
    // says so); with neither, there is nothing to build.
    const platformInput = (await discoverTitleFiles(ctx.config.platformsDir)).length > 0;
    const tables = await discoverInputs(ctx.config.dataDir, platformInput);
    const tmdbAbsent = tables.movies.length === 0;
    if (tmdbAbsent) {
      ctx.log.warn({ dataDir: ctx.config.dataDir }, 'no TMDB movies input (movies_dataset*.csv[.gz]): this version has the platform catalog only');
    }
    const outDir = path.join(ctx.dir, FILES.extractDir);
    // Idempotent: a re-run rewrites only this stage's own output.
    await rm(outDir, { recursive: true, force: true });
    const all = [...tables.movies, ...tables.credits, ...tables.keywords];
    const key = tmdbAbsent ? null : await inputKey(all);
    const reuse = key ? await findReusable(ctx.config.artifactsDir, key, ctx.version) : null;
    if (key && reuse) {
      // same input bytes, same ETL code: transform links that version's catalog (etl/reuse.ts)
      await writeReuseMarker(ctx.dir, reuse.version);
      ctx.log.info({ from: reuse.version }, 'input and ETL code unchanged: reusing the cleaned catalog of a published version');
      const prev = reuse.extract;
      const body: StageBody = {
        counts: prev.counts,
        quarantine: prev.quarantine,
        inputs: prev.inputs,
        files: {},
        info: { ...prev.info, dataDir: ctx.config.dataDir, inputKey: key, reusedFrom: reuse.version },
      };
      return body;
    }
    await mkdir(outDir, { recursive: true });
    const out = (f: string) => path.join(outDir, f);
    for (const t of ['credits', 'keywords'] as const) {
      if (tables[t].length === 0 && !tmdbAbsent) ctx.log.warn({ dataDir: ctx.config.dataDir }, `no ${t} input: movies will have none`);
    }

    const throttle = new ProgressThrottle((done, message) => ctx.progress({ stage: 'extract', done, unit: 'rows', message }));
    // One failing table stops the others (and the caller's abort stops all), so nothing runs on after the stage.
    const stop = new AbortController();
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal;
    const sink = new CollectingSink((rows, table, file) => throttle.report(rows, `${table}: ${file}`), signal);

    const mode = opts.csvThread ?? 'auto';
    const threaded =
      mode === true || (mode === 'auto' && availableParallelism() > 1 && (await totalBytes(all)) >= THREAD_MIN_BYTES);
    // csv-parse is the most expensive step: credits (the ~190 MB table) get a reader thread of their
    // own, movies and keywords share another; this thread checks rows and parses literals for all three.
    const readers = threaded ? [new CsvReaderThread(), new CsvReaderThread()] : [];
    const sourceOf = (r: CsvReaderThread | undefined): RecordSource | undefined =>
      r ? (p, d, s) => r.read(p, d, s) : undefined;

    let inputs;
    const movieIds = new IdSpan();
    try {
      // The three tables at once: their records interleave on this thread.
      const work = [
        extractMovies(sink, tables.movies, out(EXTRACT_FILES.movies), sourceOf(readers[1]), movieIds),
        extractCredits(sink, tables.credits, out(EXTRACT_FILES.credits), sourceOf(readers[0])),
        extractKeywords(sink, tables.keywords, out(EXTRACT_FILES.keywords), sourceOf(readers[1])),
      ];
      const settled = await Promise.all(
        work.map((p) =>
          p.catch((e: unknown) => {
            stop.abort(e);
            throw e;
          }),
        ).map((p) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }))),
      );
      const failed = settled.find((r) => !r.ok);
      if (failed && !failed.ok) throw ctx.signal?.aborted ? ctx.signal.reason : failed.e;
      inputs = settled.flatMap((r) => (r.ok ? r.v : []));
    } finally {
      await Promise.all(readers.map((r) => r.close()));
    }
    throttle.report(sink.rows, 'done', true);

    // Quarantine in table order (stable within a table), whatever order the tables interleaved in.
    const order: Table[] = ['movies', 'credits', 'keywords'];
    const rejected = order.flatMap((t) => sink.rejected.filter((q) => q.table === t));
    const quarantine = new BufferedJsonlWriter<QuarantineRecord>(out(EXTRACT_FILES.quarantine));
    const byReason: Record<string, number> = {};
    for (const q of rejected) {
      byReason[q.reason] = (byReason[q.reason] ?? 0) + 1;
      await quarantine.write(q);
    }
    await quarantine.close();

    const counts = sink.counts;
    counts.credits_duplicate_rows ??= 0;
    counts.keywords_duplicate_rows ??= 0;
    counts.extract_quarantined = rejected.length;
    counts.input_files = inputs.length;
    if (tmdbAbsent) counts.tmdb_absent = 1;
    return {
      counts,
      quarantine: byReason,
      inputs,
      files: {
        extract_movies: `${FILES.extractDir}/${EXTRACT_FILES.movies}`,
        extract_credits: `${FILES.extractDir}/${EXTRACT_FILES.credits}`,
        extract_keywords: `${FILES.extractDir}/${EXTRACT_FILES.keywords}`,
        extract_quarantine: `${FILES.extractDir}/${EXTRACT_FILES.quarantine}`,
      },
      info: { dataDir: ctx.config.dataDir, csvThread: threaded, family: tmdbAbsent ? 'absent' : 'built', inputKey: key, reusedFrom: null, movieIds: movieIds.toJSON() },
    };
  });
}

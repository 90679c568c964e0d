// Extract: raw CSV(.gz) parts -> validated rows with their Python literals parsed, under <version>/extract/.
// Bad rows go to extract/quarantine.jsonl with a reason and a precise detail; nothing is dropped silently.
import { availableParallelism } from 'node:os';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { timedStage, type StageContext } from './context';
import { FILES } from '../artifacts/store';
import { discoverInputs, type SourceFile } from '../sources/discover';
import { EXTRACT_FILES } from '../etl/extracted';
import { CollectingSink, extractCredits, extractKeywords, extractMovies } from '../etl/extract-tables';
import type { CreditsJob, CreditsMessage } from '../etl/credits-worker';
import { BufferedJsonlWriter } from '../etl/lines';
import { ProgressThrottle } from '../etl/progress';
import type { InputFile, QuarantineRecord, StageResult, Table } from '../types';

export interface ExtractOptions {
  /**
   * Extract credits in a worker thread, in parallel with movies and keywords. 'auto' (default):
   * when there is a second core and the credits input is big enough to repay the thread's start-up.
   */
  creditsWorker?: boolean | 'auto';
}

const WORKER_MIN_BYTES = 8 * 2 ** 20;

interface CreditsOutcome {
  rows: number;
  counts: Record<string, number>;
  rejected: QuarantineRecord[];
  inputs: InputFile[];
}

/** Runs the credits extraction in a worker thread, forwarding its progress. */
function creditsInWorker(
  files: SourceFile[],
  outPath: string,
  onProgress: (rows: number, file: string) => void,
  signal: AbortSignal,
): Promise<CreditsOutcome> {
  const job: CreditsJob = {
    entry: new URL('../etl/credits-worker.ts', import.meta.url).href,
    files,
    outPath,
  };
  const worker = new Worker(new URL('../etl/worker-boot.mjs', import.meta.url), { workerData: job });
  return new Promise<CreditsOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      void worker.terminate();
      finish(() => reject(signal.reason ?? new Error('aborted')));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: CreditsMessage) => {
      if (m.type === 'progress') onProgress(m.rows, m.file);
      else if (m.type === 'done') finish(() => resolve(m));
      else finish(() => reject(Object.assign(new Error(`credits extraction failed: ${m.message}`), { stack: m.stack })));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`credits worker exited with code ${code} before finishing`))));
  });
}

async function totalBytes(files: SourceFile[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await stat(f.path)).size;
  return n;
}

export async function runExtract(ctx: StageContext, opts: ExtractOptions = {}): Promise<StageResult> {
  return timedStage('extract', async () => {
    const tables = await discoverInputs(ctx.config.dataDir);
    const outDir = path.join(ctx.dir, FILES.extractDir);
    // Idempotent: a re-run rewrites only this stage's own output.
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const out = (f: string) => path.join(outDir, f);
    for (const t of ['credits', 'keywords'] as const) {
      if (tables[t].length === 0) ctx.log.warn({ dataDir: ctx.config.dataDir }, `no ${t} input: movies will have none`);
    }

    const throttle = new ProgressThrottle((done, message) => ctx.progress({ stage: 'extract', done, unit: 'rows', message }));
    // rows read so far: main thread (movies, keywords) + credits (worker or inline)
    let mainRows = 0;
    let creditsRows = 0;
    const main = new CollectingSink(
      (rows, table, file) => {
        mainRows = rows;
        throttle.report(mainRows + creditsRows, `${table}: ${file}`);
      },
      ctx.signal,
    );

    // Stops the credits worker when the stage is aborted or the main thread fails.
    const stop = new AbortController();
    const onOuterAbort = () => stop.abort(ctx.signal?.reason);
    ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      const mode = opts.creditsWorker ?? 'auto';
      const useWorker =
        tables.credits.length > 0 &&
        (mode === true ||
          (mode === 'auto' && availableParallelism() > 1 && (await totalBytes(tables.credits)) >= WORKER_MIN_BYTES));

      const creditsPath = out(EXTRACT_FILES.credits);
      const credits: Promise<CreditsOutcome> = useWorker
        ? creditsInWorker(
            tables.credits,
            creditsPath,
            (rows, file) => {
              creditsRows = rows;
              throttle.report(mainRows + creditsRows, `credits: ${file}`);
            },
            stop.signal,
          )
        : Promise.resolve({ rows: 0, counts: {}, rejected: [], inputs: [] });
      // Don't leave a rejection unobserved while the main thread works.
      credits.catch(() => {});

      const moviesIn = await extractMovies(main, tables.movies, out(EXTRACT_FILES.movies));
      let creditsOutcome: CreditsOutcome;
      if (!useWorker) {
        const sink = new CollectingSink((rows, table, file) => {
          creditsRows = rows;
          throttle.report(mainRows + creditsRows, `${table}: ${file}`);
        }, ctx.signal);
        const inputs = await extractCredits(sink, tables.credits, creditsPath);
        creditsOutcome = { rows: sink.rows, counts: sink.counts, rejected: sink.rejected, inputs };
      }
      const keywordsIn = await extractKeywords(main, tables.keywords, out(EXTRACT_FILES.keywords));
      creditsOutcome = useWorker ? await credits : creditsOutcome!;
      throttle.report(main.rows + creditsOutcome.rows, 'done', true);

      // Quarantine in table order (movies, credits, keywords), whatever thread found them.
      const counts: Record<string, number> = { ...main.counts, ...creditsOutcome.counts };
      const byTable = (t: Table) => main.rejected.filter((q) => q.table === t);
      const rejected = [...byTable('movies'), ...creditsOutcome.rejected, ...byTable('keywords')];
      const quarantine = new BufferedJsonlWriter<QuarantineRecord>(out(EXTRACT_FILES.quarantine));
      const byReason: Record<string, number> = {};
      for (const q of rejected) {
        byReason[q.reason] = (byReason[q.reason] ?? 0) + 1;
        await quarantine.write(q);
      }
      await quarantine.close();
      if (!('credits_rows_read' in counts)) {
        for (const k of ['credits_rows_read', 'credits_rows_kept', 'credits_quarantined']) counts[k] = 0;
      }
      counts.credits_duplicate_rows ??= 0;
      counts.keywords_duplicate_rows ??= 0;
      counts.extract_quarantined = rejected.length;
      const inputs = [...moviesIn, ...creditsOutcome.inputs, ...keywordsIn];
      counts.input_files = inputs.length;
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
        info: { dataDir: ctx.config.dataDir, creditsWorker: useWorker },
      };
    } finally {
      ctx.signal?.removeEventListener('abort', onOuterAbort);
      stop.abort(new Error('extract stage ended'));
    }
  });
}

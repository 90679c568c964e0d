// Worker-thread entry: extracts the credits table (the ~190 MB input) on a second core while the
// main thread does movies and keywords. Talks to the parent by messages only.
import { parentPort, workerData } from 'node:worker_threads';
import { CollectingSink, extractCredits } from './extract-tables';
import type { SourceFile } from '../sources/discover';
import type { InputFile, QuarantineRecord } from '../types';

export interface CreditsJob {
  entry: string;
  files: SourceFile[];
  outPath: string;
}

export type CreditsMessage =
  | { type: 'progress'; rows: number; file: string }
  | { type: 'done'; rows: number; counts: Record<string, number>; rejected: QuarantineRecord[]; inputs: InputFile[] }
  | { type: 'error'; message: string; stack?: string };

const job = workerData as CreditsJob;
const port = parentPort!;
let last = 0;
const sink = new CollectingSink((rows, _table, file) => {
  const now = performance.now();
  if (now - last < 200) return;
  last = now;
  port.postMessage({ type: 'progress', rows, file } satisfies CreditsMessage);
});

try {
  const inputs = await extractCredits(sink, job.files, job.outPath);
  port.postMessage({
    type: 'done',
    rows: sink.rows,
    counts: sink.counts,
    rejected: sink.rejected,
    inputs,
  } satisfies CreditsMessage);
} catch (e) {
  const err = e as Error;
  port.postMessage({ type: 'error', message: err.message, stack: err.stack } satisfies CreditsMessage);
}

// The catalog embedder's pass over the movies, on two threads: a helper thread embeds the second
// half of the rows into the same shared matrix while the calling thread embeds the first (95 s of
// one thread at 10^6 movies). The helper loads the fitted parameters from the fit cache, so both
// compute the same bytes as one thread would.
import { availableParallelism } from 'node:os';
import { CatalogEmbedder } from '../embedders/catalog/model.js';
import type { MovieDoc } from '../embedders/types.js';
import { runInThread } from './thread.js';

/** Below this many rows to embed, one thread (a helper's start-up and the docs' copy would not pay). */
export const HELPER_FROM = 50_000;

export interface EmbedRowsJob {
  /** a directory holding the fitted parameters (CatalogEmbedder.save) */
  paramsDir: string;
  /** docs[j] goes to row rows[j] of the matrix */
  docs: MovieDoc[];
  rows: number[];
  matrix: SharedArrayBuffer;
}

export interface EmbedRowsOutcome {
  rows: number;
}

/** The helper's side (worker-main.ts). */
export async function embedRows(job: EmbedRowsJob, hooks: { progress(done: number, total: number, message: string): void }): Promise<EmbedRowsOutcome> {
  const embedder = await CatalogEmbedder.load(job.paramsDir);
  const out = new Float32Array(job.matrix);
  job.rows.forEach((row, j) => {
    embedder.embedInto(job.docs[j], out, row);
    if ((j + 1) % 10_000 === 0) hooks.progress(j + 1, job.rows.length, 'embedding (helper thread)');
  });
  return { rows: job.rows.length };
}

/**
 * Embeds docs[rows[j]] into row rows[j] of `matrix`: on this thread alone, or with a helper thread
 * when there are HELPER_FROM rows or more, a second core, `matrix` on shared memory and the
 * parameters on disk (`paramsDir`).
 */
export async function embedCatalogRows(
  embedder: CatalogEmbedder,
  paramsDir: string | null,
  docs: readonly MovieDoc[],
  rows: number[],
  matrix: Float32Array,
  onProgress: (done: number) => void,
  helperFrom = HELPER_FROM,
): Promise<{ threads: number }> {
  const shared = matrix.buffer instanceof SharedArrayBuffer;
  if (rows.length < helperFrom || availableParallelism() < 2 || !shared || !paramsDir) {
    embedder.embedRowsInto(docs, rows, matrix, onProgress);
    return { threads: 1 };
  }
  const half = Math.ceil(rows.length / 2);
  const theirs = rows.slice(half);
  let helperDone = 0;
  const helper = runInThread(
    { kind: 'embed-rows', job: { paramsDir, docs: theirs.map((r) => docs[r]), rows: theirs, matrix: matrix.buffer as SharedArrayBuffer } },
    { progress: (done) => (helperDone = done) },
  );
  // this thread's half runs synchronously; the helper's progress is read when it reports
  embedder.embedRowsInto(docs, rows.slice(0, half), matrix, (done) => onProgress(done + helperDone));
  await helper;
  onProgress(rows.length);
  return { threads: 2 };
}

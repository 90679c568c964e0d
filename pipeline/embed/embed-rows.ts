// The catalog embedder's pass over the movies, on two threads: a helper thread embeds the second
// half of the rows into the same shared matrix while the calling thread embeds the first (95 s of
// one thread at 10^6 movies). The helper loads the fitted parameters from the fit cache, so both
// compute the same bytes as one thread would. It reads its docs from the catalog columns' shared
// bytes when the docs come from catalog.arrow (no copy), else from a structured clone of its half.
import { availableParallelism } from 'node:os';
import { CatalogEmbedder } from '../embedders/catalog/model.js';
import type { MovieDoc } from '../embedders/types.js';
import { docsFromColumns, type DocSource } from './doc-source.js';
import { runInThread } from './thread.js';

/** Below this many rows to embed, one thread (a helper's start-up would not pay). */
export const HELPER_FROM = 50_000;

export interface EmbedRowsJob {
  /** a directory holding the fitted parameters (CatalogEmbedder.save) */
  paramsDir: string;
  /** the docs: catalog.arrow's bytes (row r is doc r), or the docs themselves (docs[j] is row rows[j]) */
  from: { columns: SharedArrayBuffer } | { docs: MovieDoc[] };
  rows: Int32Array;
  matrix: SharedArrayBuffer;
}

export interface EmbedRowsOutcome {
  rows: number;
}

/** The helper's side (worker-main.ts). */
export async function embedRows(job: EmbedRowsJob, hooks: { progress(done: number, total: number, message: string): void }): Promise<EmbedRowsOutcome> {
  const embedder = await CatalogEmbedder.load(job.paramsDir);
  const out = new Float32Array(job.matrix);
  const columns = 'columns' in job.from ? docsFromColumns(job.from.columns) : undefined;
  const docs = 'docs' in job.from ? job.from.docs : undefined;
  try {
    job.rows.forEach((row, j) => {
      embedder.embedInto(columns ? columns.doc(row) : docs![j], out, row);
      if ((j + 1) % 10_000 === 0) hooks.progress(j + 1, job.rows.length, 'embedding (helper thread)');
    });
  } finally {
    columns?.close();
  }
  return { rows: job.rows.length };
}

function embedOnThisThread(embedder: CatalogEmbedder, docs: DocSource, rows: readonly number[], matrix: Float32Array, onProgress: (done: number) => void): void {
  rows.forEach((row, j) => {
    embedder.embedInto(docs.doc(row), matrix, row);
    if ((j + 1) % 1000 === 0) onProgress(j + 1);
  });
  onProgress(rows.length);
}

/**
 * Embeds doc r of `docs` into row r of `matrix`, for each r of `rows`: on this thread alone, or with
 * a helper thread when there are HELPER_FROM rows or more, a second core, `matrix` on shared memory
 * and the parameters on disk (`paramsDir`).
 */
export async function embedCatalogRows(
  embedder: CatalogEmbedder,
  paramsDir: string | null,
  docs: DocSource,
  rows: number[],
  matrix: Float32Array,
  onProgress: (done: number) => void,
  helperFrom = HELPER_FROM,
): Promise<{ threads: number }> {
  const shared = matrix.buffer instanceof SharedArrayBuffer;
  if (rows.length < helperFrom || availableParallelism() < 2 || !shared || !paramsDir) {
    embedOnThisThread(embedder, docs, rows, matrix, onProgress);
    return { threads: 1 };
  }
  const half = Math.ceil(rows.length / 2);
  const theirs = rows.slice(half);
  const from = docs.shared ? { columns: docs.shared } : { docs: theirs.map((r) => docs.doc(r)) };
  let helperDone = 0;
  const helper = runInThread(
    { kind: 'embed-rows', job: { paramsDir, from, rows: Int32Array.from(theirs), matrix: matrix.buffer as SharedArrayBuffer } },
    { progress: (done) => (helperDone = done) },
  );
  // this thread's half runs synchronously; the helper's progress is read when it reports
  embedOnThisThread(embedder, docs, rows.slice(0, half), matrix, (done) => onProgress(done + helperDone));
  await helper;
  onProgress(rows.length);
  return { threads: 2 };
}

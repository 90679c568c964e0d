// Each doc's similar list, computed once per version (a published version is immutable), so
// SimilarMovies and SimilarTitles are lookups: HNSW_CANDIDATES neighbours by embedding plus the
// docs sharing a rare title word, rescored (rerank.ts), the best SIMILAR_K kept.
// similar.bin: Int32 rows (n x SIMILAR_K, -1 where a doc has fewer), then Float32 scores (same shape).
import { closeSync, fstatSync, openSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { readFully, readFullySync } from '../artifacts/files.js';
import path from 'node:path';
import type { KnnIndex } from './sharded.js';
import { HNSW_CANDIDATES, RERANK_WEIGHTS, type RerankFeatures } from './rerank.js';

export const SIMILAR_K = 50;
export const SIMILAR_FILES = { bin: 'similar.bin', meta: 'similar.json' } as const;

export interface SimilarLists {
  k: number;
  count: number;
  rows: Int32Array;
  scores: Float32Array;
}

export function buildSimilarLists(
  index: KnnIndex,
  matrix: Float32Array,
  dims: number,
  features: RerankFeatures,
  onProgress?: (done: number) => void,
): SimilarLists {
  const out = allocSimilarLists(matrix.length / dims);
  fillSimilarLists(index, matrix, dims, features, out, 0, out.count, onProgress);
  return out;
}

/** Empty lists for n docs; shared memory, so threads can fill slices of them in place. */
export function allocSimilarLists(n: number, shared = false): SimilarLists {
  const K = SIMILAR_K;
  const buf = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const rows = new Int32Array(buf(n * K * 4)).fill(-1);
  return { k: K, count: n, rows, scores: new Float32Array(buf(n * K * 4)) };
}

/** Fills the lists of docs [from, to): each doc's list depends only on the graph and the features, not on the slice. */
export function fillSimilarLists(
  index: KnnIndex,
  matrix: Float32Array,
  dims: number,
  features: RerankFeatures,
  out: SimilarLists,
  from: number,
  to: number,
  onProgress?: (done: number) => void,
): void {
  const n = matrix.length / dims;
  for (let i = from; i < to; i++) {
    const q = Array.from(matrix.subarray(i * dims, (i + 1) * dims));
    const want = Math.min(HNSW_CANDIDATES, n - 1);
    // one more than wanted, the doc itself dropped after: hnswlib-node's filter calls back into
    // JavaScript for every node a search visits (a fifth of the lists' time)
    const res = want > 0 ? index.searchKnn(q, want + 1) : { neighbors: [], distances: [] };
    rankDoc(i, res.neighbors, res.distances, res.neighbors.length, matrix, dims, features, out);
    if (onProgress && (i + 1 - from) % 1000 === 0) onProgress(i + 1 - from);
  }
}

/** Candidates per doc asked of the graph: HNSW_CANDIDATES and the doc itself (dropped after). */
export function graphCandidates(n: number): number {
  return Math.min(HNSW_CANDIDATES, n - 1) + 1;
}

/**
 * Doc i's list from its graph neighbours (nearest first, `count` of them, the doc itself among them
 * or not) and the docs sharing a rare title word, reranked: the best `out.k` written to its row.
 */
export function rankDoc(
  i: number,
  neighbors: ArrayLike<number>,
  distances: ArrayLike<number>,
  count: number,
  matrix: Float32Array,
  dims: number,
  features: RerankFeatures,
  out: SimilarLists,
): void {
  const want = graphCandidates(matrix.length / dims) - 1;
  const K = out.k;
  const cand: [number, number][] = [];
  for (let j = 0; j < count && cand.length < want; j++) {
    const l = neighbors[j];
    if (l !== i) cand.push([l, features.score(i, l, 1 - distances[j])]);
  }
  const have = new Set(cand.map((c) => c[0]));
  for (const l of features.titleCandidates(i)) {
    if (have.has(l)) continue;
    let d = 0;
    for (let x = 0; x < dims; x++) d += matrix[i * dims + x] * matrix[l * dims + x];
    cand.push([l, features.score(i, l, d)]);
  }
  cand.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  for (let j = 0; j < Math.min(K, cand.length); j++) {
    out.rows[i * K + j] = cand[j][0];
    out.scores[i * K + j] = cand[j][1];
  }
}

export async function writeSimilarLists(dir: string, l: SimilarLists): Promise<void> {
  const bytes = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  await writeFile(path.join(dir, SIMILAR_FILES.bin), Buffer.concat([bytes(l.rows), bytes(l.scores)]));
  await writeFile(
    path.join(dir, SIMILAR_FILES.meta),
    JSON.stringify({ k: l.k, count: l.count, weights: RERANK_WEIGHTS, candidates: `HNSW top ${HNSW_CANDIDATES} + docs sharing a rare title word` }),
  );
}

/** similar.json's shape, checked against similar.bin's size (rows then scores, 4 bytes each). */
async function listsMeta(dir: string, bytes: number): Promise<{ k: number; count: number }> {
  const meta = JSON.parse(await readFile(path.join(dir, SIMILAR_FILES.meta), 'utf8')) as { k: number; count: number };
  if (bytes !== meta.count * meta.k * 8) throw new Error(`${SIMILAR_FILES.bin} has ${bytes} bytes, expected ${meta.count * meta.k * 8}`);
  return meta;
}

export async function readSimilarLists(dir: string): Promise<SimilarLists> {
  // read straight into the arrays' buffer: a file-sized Buffer copied over would sit in memory until a GC
  const fh = await open(path.join(dir, SIMILAR_FILES.bin), 'r');
  try {
    const { size } = await fh.stat();
    const meta = await listsMeta(dir, size);
    const n = meta.count * meta.k;
    const ab = new ArrayBuffer(size);
    await readFully(fh, new Uint8Array(ab), 0);
    return { k: meta.k, count: meta.count, rows: new Int32Array(ab, 0, n), scores: new Float32Array(ab, n * 4, n) };
  } finally {
    await fh.close();
  }
}

/**
 * A version's similar lists left in similar.bin and read by position per lookup (two reads of
 * k × 4 bytes from the page cache): the service would otherwise hold 400 MB at 10^6 movies, and twice
 * that during a swap, for lists it reads a few of per call.
 */
export class SimilarListsFile {
  private fd: number | null;

  private constructor(
    readonly k: number,
    readonly count: number,
    fd: number,
  ) {
    this.fd = fd;
  }

  static async open(dir: string): Promise<SimilarListsFile> {
    const fd = openSync(path.join(dir, SIMILAR_FILES.bin), 'r');
    try {
      const meta = await listsMeta(dir, fstatSync(fd).size);
      return new SimilarListsFile(meta.k, meta.count, fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Doc `label`'s list, best first: k rows (-1 past its end) and their scores. */
  read(label: number): { rows: Int32Array; scores: Float32Array } {
    if (this.fd === null) throw new Error('the similar lists are closed');
    if (!Number.isInteger(label) || label < 0 || label >= this.count) throw new RangeError(`doc ${label} is not in the similar lists (0..${this.count - 1})`);
    const bytes = this.k * 4;
    const rows = new Int32Array(this.k);
    const scores = new Float32Array(this.k);
    readFullySync(this.fd, new Uint8Array(rows.buffer), label * bytes);
    readFullySync(this.fd, new Uint8Array(scores.buffer), this.count * bytes + label * bytes);
    return { rows, scores };
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

// The HNSW index of a version (hnswlib-node, cosine space): label i is row i of the embedding matrix.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { IndexCache } from '../embed/cache.js';
import { readEmbeddings } from '../embed/matrix.js';
import os from 'node:os';
import { entryUrl, startThread } from '../runtime/entry.js';
import { RERANK_WEIGHTS, RerankFeatures } from './rerank.js';
import { rerankDocs } from './rerank-docs.js';
import { allocSimilarLists, fillSimilarLists, SIMILAR_FILES, SIMILAR_K, writeSimilarLists, type SimilarLists } from './similar-lists.js';
import type { SimilarSliceEvent, SimilarSliceTask } from './similar-worker.js';

/** Bump when the rerank features change (part of the similar lists' cache key). */
const RERANK_VERSION = 1;

const { HierarchicalNSW } = hnswlib;
export type Hnsw = InstanceType<typeof HierarchicalNSW>;

export const INDEX_FILES = { index: 'index.hnsw', meta: 'index.json' } as const;

export interface IndexParams {
  /** graph degree: links per node on the upper layers (2M on the bottom layer) */
  M: number;
  /** candidate list size while building: higher builds slower and better */
  efConstruction: number;
  /** candidate list size while searching (raised to k when k is larger): the recall/latency knob */
  ef: number;
  /** seed of the level assignment, so a rebuild gives the same graph */
  seed: number;
}

/**
 * Chosen with `npm run bench:index` on the full-size catalog: 256-d LSA vectors have a high intrinsic
 * dimension, where M=16 plateaus near recall@10 0.99 whatever ef; M=24 (3 MB more at 45k movies,
 * same build time) reaches 0.994 at ef=96, which costs ~0.3 ms per query.
 */
export const DEFAULT_INDEX_PARAMS: IndexParams = { M: 24, efConstruction: 200, ef: 96, seed: 100 };

export interface IndexMeta extends IndexParams {
  space: 'cosine';
  count: number;
  dims: number;
  /** fingerprint of the embedder whose vectors were indexed */
  embedderFingerprint: string;
}

export interface IndexJob {
  dir: string;
  /** the docs of the embedding rows, to precompute similar lists (similar-lists.ts); none: no lists */
  docs?: { file: string; corpus: 'movies' | 'titles' };
  params?: Partial<IndexParams>;
  /** artifacts dir whose _cache/index/ keeps built graphs (none: always build) */
  artifactsDir?: string;
  /** threads searching for the similar lists (default: 2 on 2+ cores from PARALLEL_LISTS_MIN docs, else 1) */
  listThreads?: number;
}

/** Below this many docs a helper thread's start-up (its own graph and features) costs more than it saves. */
export const PARALLEL_LISTS_MIN = 20_000;

export interface IndexOutcome {
  meta: IndexMeta;
  buildMs: number;
  /** the precomputed similar lists, when docs were given */
  similar?: { k: number; ms: number; reused: boolean; bytes: number };
  /** the graph came from the cache (same vectors, same parameters: the build is deterministic) */
  reused: boolean;
  files: Record<string, string>;
}

export function newIndex(dims: number, maxElements: number, p: IndexParams): Hnsw {
  const index = new HierarchicalNSW('cosine', dims);
  index.initIndex({ maxElements: Math.max(1, maxElements), m: p.M, efConstruction: p.efConstruction, randomSeed: p.seed });
  index.setEf(p.ef);
  return index;
}

/** Adds every row (label = row number); single-threaded, so the graph is the same for the same input. */
export function addRows(
  index: Hnsw,
  matrix: Float32Array,
  dims: number,
  onProgress?: (done: number) => void,
): void {
  const n = matrix.length / dims;
  for (let r = 0; r < n; r++) {
    // the binding takes plain arrays only
    index.addPoint(Array.from(matrix.subarray(r * dims, (r + 1) * dims)), r);
    if (onProgress && (r + 1) % 1000 === 0) onProgress(r + 1);
  }
}

export async function buildIndex(
  job: IndexJob,
  hooks: { progress(done: number, total: number, message: string): void },
): Promise<IndexOutcome> {
  const p: IndexParams = { ...DEFAULT_INDEX_PARAMS, ...job.params };
  // on shared memory: the similar lists' helper threads read it in place
  const { meta: emb, matrix } = await readEmbeddings(job.dir, true);
  const meta: IndexMeta = {
    space: 'cosine',
    ...p,
    count: emb.count,
    dims: emb.dims,
    embedderFingerprint: emb.embedder.fingerprint,
  };
  const target = path.join(job.dir, INDEX_FILES.index);
  const t0 = performance.now();
  // Single-threaded insertion with a fixed seed gives the same graph for the same vectors and
  // parameters, so an unchanged rebuild copies the graph it built last time.
  const cache = job.artifactsDir ? new IndexCache(job.artifactsDir) : null;
  const key = createHash('sha256')
    .update(`hnswlib-node|${JSON.stringify(p)}|${emb.dims}|${emb.count}\n`)
    .update(new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength))
    .digest('hex')
    .slice(0, 32);
  let reused = false;
  if (cache && (await cache.fetch(key, target))) {
    reused = true;
    hooks.progress(emb.count, emb.count, 'HNSW index reused from the cache');
  } else {
    const index = newIndex(emb.dims, emb.count, p);
    hooks.progress(0, emb.count, 'building the HNSW index');
    addRows(index, matrix, emb.dims, (done) => hooks.progress(done, emb.count, 'building the HNSW index'));
    await index.writeIndex(target);
    if (cache) {
      await cache.store(key, target);
      await cache.prune(6); // graphs and similar lists of both corpora
    }
  }
  const buildMs = Math.round(performance.now() - t0);
  await writeFile(path.join(job.dir, INDEX_FILES.meta), JSON.stringify(meta, null, 2));
  const files: Record<string, string> = { index: INDEX_FILES.index, indexMeta: INDEX_FILES.meta };
  let similar: IndexOutcome['similar'];
  if (job.docs) {
    const t1 = performance.now();
    const docs = await rerankDocs(job.docs.file, job.docs.corpus);
    const listKey = createHash('sha256').update(`${key}|${SIMILAR_K}|${JSON.stringify(RERANK_WEIGHTS)}|${RERANK_VERSION}\n`);
    for (const d of docs) listKey.update(`${d.title}\u0000${d.keywords.join('\u0001')}\u0000${d.cast.slice(0, 5).join('\u0001')}\n`);
    const lkey = `${listKey.digest('hex').slice(0, 32)}-similar`;
    const target = path.join(job.dir, SIMILAR_FILES.bin);
    let listsReused = false;
    if (cache && (await cache.fetch(lkey, target))) {
      listsReused = true;
    } else {
      const threads = job.listThreads ?? (emb.count >= PARALLEL_LISTS_MIN ? Math.min(2, os.availableParallelism()) : 1);
      const lists = await similarListsInThreads(job, p, matrix, emb.dims, emb.count, new RerankFeatures(docs), threads, (done) =>
        hooks.progress(done, emb.count, `precomputing similar lists (${threads} thread${threads > 1 ? 's' : ''})`),
      );
      await writeSimilarLists(job.dir, lists);
      if (cache) await cache.store(lkey, target);
    }
    if (listsReused) {
      await writeFile(path.join(job.dir, SIMILAR_FILES.meta), JSON.stringify({ k: SIMILAR_K, count: emb.count, weights: RERANK_WEIGHTS }));
    }
    files.similar = SIMILAR_FILES.bin;
    files.similarMeta = SIMILAR_FILES.meta;
    similar = { k: SIMILAR_K, ms: Math.round(performance.now() - t1), reused: listsReused, bytes: emb.count * SIMILAR_K * 8 };
  }
  hooks.progress(emb.count, emb.count, 'index built');
  return { meta, buildMs, reused, files, similar };
}

/**
 * The similar lists, searched by `threads` threads at once: this one and helpers (similar-worker.ts),
 * each with its own copy of the graph (read from the written file), filling slices of shared arrays.
 * Every doc's list depends only on the graph and the features, so the result is the same bytes
 * whatever the thread count.
 */
async function similarListsInThreads(
  job: IndexJob,
  p: IndexParams,
  matrix: Float32Array,
  dims: number,
  n: number,
  features: RerankFeatures,
  threads: number,
  onProgress: (done: number) => void,
): Promise<SimilarLists> {
  const indexFile = path.join(job.dir, INDEX_FILES.index);
  const index = new HierarchicalNSW('cosine', dims);
  await index.readIndex(indexFile);
  index.setEf(p.ef);
  if (threads <= 1 || !job.docs) {
    const out = allocSimilarLists(n);
    fillSimilarLists(index, matrix, dims, features, out, 0, n, onProgress);
    return out;
  }
  const out = allocSimilarLists(n, true);
  let shared = matrix;
  if (!(matrix.buffer instanceof SharedArrayBuffer)) {
    shared = new Float32Array(new SharedArrayBuffer(matrix.byteLength));
    shared.set(matrix);
  }
  const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.floor((t * n) / threads));
  const done = new Array<number>(threads).fill(0);
  const report = () => onProgress(done.reduce((a, b) => a + b, 0));
  const helpers = bounds.slice(1, -1).map((from, h) => {
    const task: SimilarSliceTask = { indexFile, dims, ef: p.ef, matrix: shared, docs: job.docs!, out, from, to: bounds[h + 2] };
    const w = startThread(entryUrl('./similar-worker.ts', import.meta.url), task);
    return new Promise<void>((resolve, reject) => {
      w.on('message', (e: SimilarSliceEvent) => {
        if (e.type === 'progress') {
          done[h + 1] = e.done;
          report();
        } else if (e.type === 'done') resolve();
        else reject(new Error(`similar lists thread: ${e.message}`));
      });
      w.on('error', reject);
      w.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`similar lists thread exited ${code}`))));
    }).finally(() => void w.terminate());
  });
  // this thread takes the first slice while the helpers take the rest; a failed helper fails the stage
  const mine = Promise.resolve().then(() => fillSimilarLists(index, shared, dims, features, out, 0, bounds[1], (d) => {
    done[0] = d;
    report();
  }));
  await Promise.all([mine, ...helpers]);
  return out;
}

export async function readIndexMeta(dir: string): Promise<IndexMeta> {
  return JSON.parse(await readFile(path.join(dir, INDEX_FILES.meta), 'utf8')) as IndexMeta;
}

/** Loads a version's index with its search ef set. */
export async function loadIndex(dir: string): Promise<{ index: Hnsw; meta: IndexMeta }> {
  const meta = await readIndexMeta(dir);
  const index = new HierarchicalNSW('cosine', meta.dims);
  await index.readIndex(path.join(dir, INDEX_FILES.index));
  index.setEf(meta.ef);
  return { index, meta };
}

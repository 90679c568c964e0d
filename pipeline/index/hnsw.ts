// The HNSW index of a version (hnswlib-node, cosine space): label i is row i of the embedding matrix.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { IndexCache } from '../embed/cache.js';
import { readEmbeddings } from '../embed/matrix.js';
import os from 'node:os';
import { entryUrl } from '../runtime/entry.js';
import { progressSum, runHelper } from '../runtime/helper-thread.js';
import { RERANK_WEIGHTS, RerankFeatures } from './rerank.js';
import { listsInput, readListsInput } from './lists-input.js';
import { allocSimilarLists, fillSimilarLists, SIMILAR_FILES, SIMILAR_K, writeSimilarLists, type SimilarLists } from './similar-lists.js';
import type { SimilarSliceTask } from './similar-worker.js';
import { readShard, releaseGraph, releaseIndex, shardBounds, ShardedIndex, shardFile, type KnnIndex } from './sharded.js';
import type { ShardTask } from './shard-worker.js';
import { similarListsByShard } from './shard-search.js';
import { ParallelGraph, parallelGraphAddon } from './parallel-graph.js';
import { similarListsOnGraph } from './graph-lists.js';
import { localityOrder } from './query-order.js';

export type { KnnIndex } from './sharded.js';

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
 * Chosen with `npm run bench:index` on the full-size catalog (then 256-d, now 192-d): LSA vectors have a high intrinsic
 * dimension, where M=16 plateaus near recall@10 0.99 whatever ef; M=24 (3 MB more at 45k movies,
 * same build time) reaches 0.994 at ef=96, which costs ~0.3 ms per query.
 */
export const DEFAULT_INDEX_PARAMS: IndexParams = { M: 24, efConstruction: 200, ef: 96, seed: 100 };

/**
 * The ef the service searches with (SearchMovies, RecommendForUser from liked movies). ef 96 (the
 * similar lists' candidate search, reranked after) holds recall@10 0.996 on one graph at 45k; ef 128
 * gives 0.995 at 200k and 10^6 over 400 rows on the two-thread graph (bench:scale). Not part of the
 * graph's cache key: it changes no byte of the graph.
 */
export const SEARCH_EF = 128;

export interface IndexMeta extends IndexParams {
  space: 'cosine';
  /** the hnswlib-node addon that built the graph: 'avx2' or 'default' (native-build.mjs; absent in older versions) */
  native?: string;
  /** the ef queries are searched with (absent in older versions: `ef`) */
  searchEf?: number;
  count: number;
  dims: number;
  /** fingerprint of the embedder whose vectors were indexed */
  embedderFingerprint: string;
  /** graphs over contiguous row ranges, searched together (absent in older versions: one) */
  shards?: number;
  shardBounds?: number[];
  /** threads that inserted into the graph at once (absent: one, and a rebuild gives the same bytes) */
  buildThreads?: number;
  /** the order the rows were inserted in (absent: row order) */
  insertOrder?: 'locality';
  /**
   * Links the parallel-graph build added after hnswlib's insertion (absent: none, or built by
   * hnswlib-node): nodes no path from the entry point reached, and docs whose own search did not
   * find them (found by the similar lists' searches), each linked from its nearest reached nodes.
   */
  repair?: { unreachable: number; unreachableLinked: number; lost: number; lostLinked: number };
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
  /**
   * Graphs over row ranges, each built by hnswlib-node on a thread of its own. Unset: one graph, built
   * by the parallel-graph addon (or, when npm install could not build it, 2 shards on 2+ cores from
   * SHARDED_BUILD_MIN vectors).
   */
  shards?: number;
  /** threads inserting into the one graph (parallel-graph addon; default: 2 on 2+ cores from PARALLEL_BUILD_MIN vectors, else 1) */
  buildThreads?: number;
  /** vectors from which the parallel-graph build inserts in locality order (default LOCALITY_INSERT_MIN; tests use small ones) */
  localityInsertMin?: number;
  /** docs per block of the thread-per-shard list search (shard-search.ts SEARCH_BLOCK; tests use small ones) */
  listBlock?: number;
}

/**
 * From this many vectors the graph is built as two shards on two threads. Below it one graph (the
 * shipped parameters were tuned on one graph of the 45k catalog, and its build takes under a minute).
 */
export const SHARDED_BUILD_MIN = 100_000;

/**
 * From this many vectors two threads insert into the one graph: the build is then not reproducible
 * bit for bit (hnswlib links each point to what the other thread has inserted so far). Below it, one
 * thread: the graph hnswlib-node would build, byte for byte (the 45k catalog's builds stay the same).
 */
export const PARALLEL_BUILD_MIN = 100_000;

/**
 * From this many vectors the parallel-graph build inserts the rows in locality order (query-order.ts):
 * consecutive insertions then search and link the same region of the graph, which the CPU caches
 * still hold, and nodes near in space are near in memory. On the synthetic 10^6 catalog's vectors,
 * two threads: 193.7 → 126.5 s to build, recall@10 over 100 rows before the repairs 0.988 → 0.999;
 * at 200k 28.0 → 21.1 s, 0.993 either way. Below it (the 45k catalog), row order: the graph
 * hnswlib-node builds, byte for byte.
 */
export const LOCALITY_INSERT_MIN = 100_000;


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

/**
 * Which build of hnswlib-node's addon this process loads: 'avx2' when native-build.mjs (npm
 * postinstall) recompiled it, else 'default'. The two round distances differently, so a graph
 * rebuilt with the other differs in its last bits; index.json records which built it.
 */
export function nativeBuild(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('hnswlib-node/package.json');
    const m = JSON.parse(readFileSync(path.join(path.dirname(pkg), 'build', 'marquee-simd.json'), 'utf8')) as { simd?: string };
    return m.simd ?? 'default';
  } catch {
    return 'default';
  }
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
  addRowRange(index, matrix, dims, 0, matrix.length / dims, onProgress);
}

/** Adds rows [from, to) in order (labels = row numbers). */
export function addRowRange(index: Hnsw, matrix: Float32Array, dims: number, from: number, to: number, onProgress?: (done: number) => void): void {
  for (let r = from; r < to; r++) {
    // the binding takes plain arrays only
    index.addPoint(Array.from(matrix.subarray(r * dims, (r + 1) * dims)), r);
    if (onProgress && (r + 1 - from) % 1000 === 0) onProgress(r + 1 - from);
  }
}

/** Builds the shards at once: shard 0 on this thread, the others on helper threads (shard-worker.ts). */
async function buildShards(dir: string, matrix: Float32Array, dims: number, bounds: number[], p: IndexParams, onProgress: (done: number) => void): Promise<void> {
  const shards = bounds.length - 1;
  const slice = progressSum(shards, onProgress);
  const helpers = Array.from({ length: shards - 1 }, (_, h) => {
    const i = h + 1;
    const task: ShardTask = { matrix, dims, from: bounds[i], to: bounds[i + 1], params: p, file: path.join(dir, shardFile(i)) };
    return runHelper(entryUrl('./shard-worker.ts', import.meta.url), task, `index shard ${i}`, slice(i));
  });
  const mine = Promise.resolve().then(async () => {
    const index = newIndex(dims, bounds[1] - bounds[0], p);
    addRowRange(index, matrix, dims, bounds[0], bounds[1], slice(0));
    await index.writeIndex(path.join(dir, shardFile(0)));
    releaseGraph(index);
  });
  await Promise.all([mine, ...helpers]);
}

export async function buildIndex(
  job: IndexJob,
  hooks: { progress(done: number, total: number, message: string): void },
): Promise<IndexOutcome> {
  // on shared memory: the similar lists' helper threads read it in place
  const { meta: emb, matrix } = await readEmbeddings(job.dir, true);
  const cores = Math.min(2, os.availableParallelism());
  // the addon builds one graph on several threads; without it (or when shards are asked for), hnswlib-node
  const onAddon = parallelGraphAddon() !== null && job.shards === undefined;
  const shards = onAddon ? 1 : Math.max(1, Math.min(job.shards ?? (emb.count >= SHARDED_BUILD_MIN ? cores : 1), emb.count));
  const buildThreads = onAddon ? Math.max(1, job.buildThreads ?? (emb.count >= PARALLEL_BUILD_MIN ? cores : 1)) : 1;
  const p: IndexParams = { ...DEFAULT_INDEX_PARAMS, ...job.params };
  const meta: IndexMeta = {
    space: 'cosine',
    native: nativeBuild(),
    ...p,
    searchEf: Math.max(p.ef, SEARCH_EF),
    count: emb.count,
    dims: emb.dims,
    embedderFingerprint: emb.embedder.fingerprint,
  };
  const bounds = shardBounds(emb.count, shards);
  if (shards > 1) Object.assign(meta, { shards, shardBounds: bounds });
  if (buildThreads > 1) meta.buildThreads = buildThreads;
  const localityInsert = onAddon && emb.count >= (job.localityInsertMin ?? LOCALITY_INSERT_MIN);
  if (localityInsert) meta.insertOrder = 'locality';
  const t0 = performance.now();
  // Single-threaded insertion (per shard) with a fixed seed gives the same graph for the same
  // vectors and parameters, so an unchanged rebuild copies the graphs it built last time; a graph
  // built by several threads is one of many such graphs, and a rebuild reuses it all the same.
  const cache = job.artifactsDir ? new IndexCache(job.artifactsDir) : null;
  const key = createHash('sha256')
    .update(`hnswlib-node|${JSON.stringify(p)}|${emb.dims}|${emb.count}${shards > 1 ? `|shards=${shards}` : ''}${buildThreads > 1 ? `|threads=${buildThreads}` : ''}${localityInsert ? '|insert=locality' : ''}\n`)
    .update(new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength))
    .digest('hex')
    .slice(0, 32);
  const shardKey = (i: number) => (i === 0 ? key : `${key}-s${i}`);
  const targets = Array.from({ length: shards }, (_, i) => path.join(job.dir, shardFile(i)));
  let reused = false;
  // the one graph built here stays loaded for the similar lists, and is written once their pass has
  // linked the docs its searches miss
  let graph: ParallelGraph | null = null;
  let builtHere = false;
  const storeGraphs = async () => {
    if (!cache) return;
    for (let i = 0; i < shards; i++) await cache.store(shardKey(i), targets[i]);
    await cache.prune(8); // graphs (and their shards) and similar lists of both corpora
  };
  let buildMs = 0;
  const files: Record<string, string> = { index: INDEX_FILES.index, indexMeta: INDEX_FILES.meta };
  let similar: IndexOutcome['similar'];
  const listThreads = job.listThreads ?? (emb.count >= PARALLEL_LISTS_MIN ? cores : 1);
  const listsTask = job.docs
    ? // on shared memory when hnswlib-node helper threads read them: one copy of the features, not one per thread
      { file: job.docs.file, corpus: job.docs.corpus, graphKey: key, artifactsDir: job.artifactsDir ?? null, shared: listThreads > 1 && !onAddon }
    : null;
  // read while the graph is built (on a thread of its own at scale: lists-input.ts); awaited below
  const listsIn = listsTask ? listsInput(listsTask, emb.count) : null;
  listsIn?.catch(() => {});
  try {
    if (cache) {
      reused = true;
      for (let i = 0; i < shards && reused; i++) reused = await cache.fetch(shardKey(i), targets[i]);
    }
    if (reused) {
      hooks.progress(emb.count, emb.count, 'HNSW index reused from the cache');
    } else {
      const what =
        shards > 1 ? `building the HNSW index (${shards} shards on ${shards} threads)` : `building the HNSW index${buildThreads > 1 ? ` (${buildThreads} threads)` : ''}`;
      hooks.progress(0, emb.count, what);
      if (onAddon) {
        const order = localityInsert ? localityOrder(matrix, emb.dims) : undefined;
        graph = await ParallelGraph.build(matrix, emb.dims, p, buildThreads, (done) => hooks.progress(done, emb.count, what), { order });
        const r = graph.repaired!;
        meta.repair = { unreachable: r.unreachable, unreachableLinked: r.linked, lost: 0, lostLinked: 0 };
        builtHere = true;
      } else if (shards > 1) {
        await buildShards(job.dir, matrix, emb.dims, bounds, p, (done) => hooks.progress(done, emb.count, what));
      } else {
        const index = newIndex(emb.dims, emb.count, p);
        addRows(index, matrix, emb.dims, (done) => hooks.progress(done, emb.count, what));
        await index.writeIndex(targets[0]);
        releaseGraph(index); // the lists read it back; two copies would double the stage's memory
      }
      if (!builtHere) await storeGraphs();
    }
    buildMs = Math.round(performance.now() - t0);
    // hnswlib-node's list search reads it (loadIndex); written again below with the lists' repair counts
    await writeFile(path.join(job.dir, INDEX_FILES.meta), JSON.stringify(meta, null, 2));
    for (let i = 1; i < shards; i++) files[`index_${i}`] = shardFile(i);
    if (listsIn && listsTask) {
      const t1 = performance.now();
      const input = await listsIn;
      const target = path.join(job.dir, SIMILAR_FILES.bin);
      const listsReused = input.columns === null && cache !== null && (await cache.fetch(input.key, target));
      if (!listsReused) {
        // (columns null and no fetch: the cached lists were pruned meanwhile)
        const features = new RerankFeatures(input.columns ?? (await readListsInput({ ...listsTask, artifactsDir: null })).columns!);
        const progress = (done: number) => hooks.progress(done, emb.count, `precomputing similar lists (${listThreads} thread${listThreads > 1 ? 's' : ''})`);
        let lists: SimilarLists;
        if (onAddon) {
          // a graph from the cache is left as it was: its lost docs were linked when it was built
          graph ??= await ParallelGraph.read(targets[0], emb.dims);
          lists = allocSimilarLists(emb.count);
          const o = await similarListsOnGraph(graph, p.ef, matrix, emb.dims, features, lists, listThreads, progress, { block: job.listBlock, linkLost: builtHere });
          if (meta.repair) Object.assign(meta.repair, { lost: o.lost, lostLinked: o.linked });
        } else {
          lists = await similarListsInThreads(job, p, bounds, matrix, emb.dims, emb.count, features, listThreads, progress);
        }
        await writeSimilarLists(job.dir, lists);
        if (cache) await cache.store(input.key, target);
      } else {
        await writeFile(path.join(job.dir, SIMILAR_FILES.meta), JSON.stringify({ k: SIMILAR_K, count: emb.count, weights: RERANK_WEIGHTS }));
      }
      files.similar = SIMILAR_FILES.bin;
      files.similarMeta = SIMILAR_FILES.meta;
      similar = { k: SIMILAR_K, ms: Math.round(performance.now() - t1), reused: listsReused, bytes: emb.count * SIMILAR_K * 8 };
    }
    if (builtHere && graph) {
      await graph.write(targets[0]);
      await storeGraphs();
    }
    await writeFile(path.join(job.dir, INDEX_FILES.meta), JSON.stringify(meta, null, 2));
  } finally {
    graph?.release();
  }
  hooks.progress(emb.count, emb.count, 'index built');
  return { meta, buildMs, reused, files, similar };
}

/**
 * The similar lists, searched by `threads` threads at once. Over as many shards as threads, a thread
 * per shard (shard-search.ts); otherwise this thread and helpers (similar-worker.ts), each with its
 * own copy of the graph (read from the written file), filling slices of shared arrays.
 * Every doc's list depends only on the graph and the features, so the result is the same bytes
 * whatever the thread count.
 */
async function similarListsInThreads(
  job: IndexJob,
  p: IndexParams,
  /** the graph's shard bounds (one shard: [0, n]) */
  graphBounds: number[],
  matrix: Float32Array,
  dims: number,
  n: number,
  features: RerankFeatures,
  threads: number,
  onProgress: (done: number) => void,
): Promise<SimilarLists> {
  if (threads > 1 && graphBounds.length - 1 === threads) {
    // a thread per shard, each holding only its own graph and ranking a share of every block (shard-search.ts)
    const out = allocSimilarLists(n, true);
    await similarListsByShard(job.dir, graphBounds, p.ef, matrix, dims, features, out, onProgress, job.listBlock);
    return out;
  }
  const { index } = await loadIndex(job.dir);
  index.setEf(p.ef);
  if (threads <= 1 || !job.docs) {
    const out = allocSimilarLists(n);
    fillSimilarLists(index, matrix, dims, features, out, 0, n, onProgress);
    releaseIndex(index);
    return out;
  }
  // `matrix` is on shared memory (readEmbeddings(dir, true)): the helpers read it in place
  const out = allocSimilarLists(n, true);
  const bounds = shardBounds(n, threads);
  const slice = progressSum(threads, onProgress);
  const helpers = bounds.slice(1, -1).map((from, h) => {
    const task: SimilarSliceTask = { dir: job.dir, ef: p.ef, matrix, features: features.columns, out, from, to: bounds[h + 2] };
    return runHelper(entryUrl('./similar-worker.ts', import.meta.url), task, 'similar lists', slice(h + 1));
  });
  // this thread takes the first slice while the helpers take the rest; a failed helper fails the stage
  const mine = Promise.resolve().then(() => fillSimilarLists(index, matrix, dims, features, out, 0, bounds[1], slice(0)));
  try {
    await Promise.all([mine, ...helpers]);
  } finally {
    releaseIndex(index);
  }
  return out;
}

export async function readIndexMeta(dir: string): Promise<IndexMeta> {
  return JSON.parse(await readFile(path.join(dir, INDEX_FILES.meta), 'utf8')) as IndexMeta;
}

/** Loads a version's index (one graph, or its shards searched together) with its query ef set. */
export async function loadIndex(dir: string): Promise<{ index: KnnIndex; meta: IndexMeta }> {
  const meta = await readIndexMeta(dir);
  const shards = meta.shards ?? 1;
  // each read runs on its own libuv thread
  const graphs = await Promise.all(Array.from({ length: shards }, (_, i) => readShard(dir, i, meta.dims, meta.searchEf ?? meta.ef)));
  const index: KnnIndex = shards === 1 ? graphs[0] : new ShardedIndex(graphs, meta.shardBounds ?? shardBounds(meta.count, shards));
  return { index, meta };
}

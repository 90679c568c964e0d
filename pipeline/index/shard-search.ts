// The similar lists' candidate search over a sharded index with one thread per shard: each thread
// holds only its own shard's graph (at 10^6 movies 0.6 GB, where a thread holding the whole index
// held 1.2 GB, twice over on two threads) and searches every doc of a block against it, into shared
// buffers. Once every shard has searched a block, each thread takes a share of its docs, merges
// the shards' hits per doc exactly as ShardedIndex.searchKnn does (by distance, then label) and
// reranks, into the shared lists. Blocks alternate between two buffer slots, so the threads search
// block b+1 while they rerank block b, and the rerank is split evenly between them. Blocks are runs
// of the docs in locality order (query-order.ts), not of rows: neighbouring searches share cache.
import type hnswlib from 'hnswlib-node';
import type { Worker } from 'node:worker_threads';
import { entryUrl, startThread } from '../runtime/entry.js';
import { nextTurn } from '../runtime/turns.js';
import { RerankFeatures, type RerankColumns } from './rerank.js';
import { localityOrder } from './query-order.js';
import { readShard, releaseGraph } from './sharded.js';
import { graphCandidates, rankDoc, type SimilarLists } from './similar-lists.js';

type Hnsw = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** Docs per block: 2 slots x shards x 32,768 x 51 candidates x 8 bytes = 27 MB per shard. */
export const SEARCH_BLOCK = 32_768;

/** What a shard's searcher writes: per slot, per doc of the block, `width` (label, distance) pairs, label -1 past the end. */
export interface CandidateBuffers {
  labels: Int32Array;
  dists: Float32Array;
  width: number;
  block: number;
}

export interface ShardSearchTask {
  dir: string;
  shard: number;
  ef: number;
  dims: number;
  /** the embedding matrix on a SharedArrayBuffer (not copied) */
  matrix: Float32Array;
  /** the docs in the order they are searched (shared; positions in it are what blocks cover) */
  order: Int32Array;
  /** every shard's buffers (shared); this thread writes cands[shard] */
  cands: CandidateBuffers[];
  /** the rerank features and the lists, on shared memory */
  features: RerankColumns;
  out: SimilarLists;
}

/** Docs at positions [from, to) of the search order, searched into / ranked from buffer `slot`; `blockFrom`: the block's first position. */
export interface BlockPart {
  from: number;
  to: number;
  slot: number;
  blockFrom: number;
}
export type ShardSearchMessage = { search: BlockPart | null; rank: BlockPart | null } | { stop: true };
export type ShardSearchReply = { done: true } | { error: string } | { ready: true };

export function allocCandidates(n: number, shared: boolean, block = SEARCH_BLOCK): CandidateBuffers {
  const width = graphCandidates(n);
  const entries = 2 * block * width;
  const buf = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return { labels: new Int32Array(buf(entries * 4)), dists: new Float32Array(buf(entries * 4)), width, block };
}

/** Searches the docs at positions [from, to) of `order` against one shard's graph into `slot` of its buffers. */
export function searchBlock(g: Hnsw, shardSize: number, matrix: Float32Array, dims: number, order: Int32Array, cand: CandidateBuffers, from: number, to: number, slot: number): void {
  const k = Math.min(cand.width, shardSize);
  for (let p = from; p < to; p++) {
    const i = order[p];
    const base = (slot * cand.block + (p - from)) * cand.width;
    let got = 0;
    if (k > 0 && cand.width > 1) {
      const r = g.searchKnn(Array.from(matrix.subarray(i * dims, (i + 1) * dims)), k);
      got = r.neighbors.length;
      for (let j = 0; j < got; j++) {
        cand.labels[base + j] = r.neighbors[j];
        cand.dists[base + j] = r.distances[j];
      }
    }
    cand.labels.fill(-1, base + got, base + cand.width);
  }
}

/** Scratch arrays of one thread's merges (reused for every doc). */
export class HitMerger {
  private readonly hits: [number, number][] = [];
  private readonly labels: number[] = [];
  private readonly dists: number[] = [];

  constructor(
    private readonly cands: CandidateBuffers[],
    private readonly matrix: Float32Array,
    private readonly dims: number,
    private readonly order: Int32Array,
    private readonly features: RerankFeatures,
    private readonly out: SimilarLists,
  ) {}

  /** Merges every shard's hits of the docs at positions p.from..p.to (ShardedIndex.searchKnn's merge) and ranks each doc's list. */
  rank(p: BlockPart): void {
    const { hits, labels, dists, cands } = this;
    const width = cands[0].width;
    for (let at = p.from; at < p.to; at++) {
      const i = this.order[at];
      // every shard's hits, by distance then label, the first `width`
      hits.length = 0;
      for (const c of cands) {
        const base = (p.slot * c.block + (at - p.blockFrom)) * width;
        for (let j = 0; j < width && c.labels[base + j] >= 0; j++) hits.push([c.labels[base + j], c.dists[base + j]]);
      }
      hits.sort((x, y) => x[1] - y[1] || x[0] - y[0]);
      const count = Math.min(width, hits.length);
      labels.length = dists.length = 0;
      for (let j = 0; j < count; j++) {
        labels.push(hits[j][0]);
        dists.push(hits[j][1]);
      }
      rankDoc(i, labels, dists, count, this.matrix, this.dims, this.features, this.out);
    }
  }
}

/** A helper thread searching one shard, block by block, and ranking its share of each block, on request. */
class ShardSearcher {
  private waiting: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly w: Worker) {
    w.on('message', (m: ShardSearchReply) => {
      if ('error' in m) this.fail(new Error(`similar lists shard search: ${m.error}`));
      else this.settle();
    });
    w.on('error', (e) => this.fail(e));
    w.on('exit', (code) => this.fail(new Error(`similar lists shard search thread exited ${code}`)));
  }

  static async start(task: ShardSearchTask): Promise<ShardSearcher> {
    const s = new ShardSearcher(startThread(entryUrl('./shard-search-worker.ts', import.meta.url), task));
    await s.next(); // { ready }: its graph is loaded
    return s;
  }

  private settle(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.resolve();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(this.failure);
  }

  private next(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Searches one block and ranks part of another; the promise settles when both are written. */
  work(search: BlockPart | null, rank: BlockPart | null): Promise<void> {
    const done = this.next();
    this.w.postMessage({ search, rank } satisfies ShardSearchMessage);
    return done;
  }

  /** Frees the thread's graph and ends it (terminate would leave the native graph to no finalizer). */
  async stop(): Promise<void> {
    this.w.removeAllListeners('exit');
    if (this.failure) {
      await this.w.terminate();
      return;
    }
    const exited = new Promise((resolve) => this.w.once('exit', resolve));
    this.w.postMessage({ stop: true } satisfies ShardSearchMessage);
    await exited;
  }
}

/**
 * Fills every doc's similar list with one thread per shard (this one searches shard 0). The lists
 * are the bytes fillSimilarLists gives over the ShardedIndex of the same shards. `out` and the
 * features' columns must be on shared memory (allocSimilarLists(n, true), new RerankFeatures(docs, true)).
 */
export async function similarListsByShard(
  dir: string,
  bounds: number[],
  ef: number,
  matrix: Float32Array,
  dims: number,
  features: RerankFeatures,
  out: SimilarLists,
  onProgress: (done: number) => void,
  block = SEARCH_BLOCK,
): Promise<void> {
  const n = matrix.length / dims;
  const shards = bounds.length - 1;
  const cands = Array.from({ length: shards }, () => allocCandidates(n, true, block));
  const helpers: ShardSearcher[] = [];
  let mine: Hnsw | null = null;
  try {
    const order = localityOrder(matrix, dims, true);
    for (let s = 1; s < shards; s++) helpers.push(await ShardSearcher.start({ dir, shard: s, ef, dims, matrix, order, cands, features: features.columns, out }));
    mine = await readShard(dir, 0, dims, ef);
    const size0 = bounds[1] - bounds[0];
    const merger = new HitMerger(cands, matrix, dims, order, features, out);
    const blocks = Math.ceil(n / block);
    const part = (b: number, slot: number, t = 0, of = 1): BlockPart => {
      const from = b * block;
      const to = Math.min(n, from + block);
      const cut = (k: number) => from + Math.floor(((to - from) * k) / of);
      return { from: cut(t), to: cut(t + 1), slot, blockFrom: from };
    };
    const searchMine = (p: BlockPart) => searchBlock(mine!, size0, matrix, dims, order, cands[0], p.from, p.to, p.slot);
    let pending = helpers.map((h) => h.work(part(0, 0), null));
    searchMine(part(0, 0));
    for (let b = 0; b < blocks; b++) {
      await Promise.all(pending);
      if (b > 0) onProgress(part(b - 1, 0).to);
      // every shard has searched block b (slot b % 2): all threads rank a share of it while
      // searching block b + 1 into the other slot
      const slot = b % 2;
      const next = b + 1 < blocks ? part(b + 1, 1 - slot) : null;
      pending = helpers.map((h, k) => h.work(next, part(b, slot, k + 1, shards)));
      merger.rank(part(b, slot, 0, shards));
      if (next) searchMine(next);
      await nextTurn();
    }
    await Promise.all(pending);
    onProgress(n);
  } finally {
    if (mine) releaseGraph(mine);
    await Promise.all(helpers.map((h) => h.stop()));
  }
}

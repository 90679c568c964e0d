// One HNSW graph built and searched by several threads (parallel-graph/graph.cc, compiled at npm
// install beside hnswlib-node's addon by native-build.mjs). hnswlib-node adds and searches one
// point per call on one thread; hnswlib's own concurrent insert lets two cores build one graph, so
// a doc's similar list is one search of one graph instead of one per shard.
//
// With one thread the graph is the bytes hnswlib-node builds (same hnswlib, same normalization, same
// order); with more, points are inserted in an order the threads' timing decides, so the graph (and
// the lists searched on it) differ a little from run to run: the documented price of the speed.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { nextTurn } from '../runtime/turns.js';
import type { IndexParams } from './hnsw.js';

interface NativeGraph {
  init(maxElements: number, M: number, efConstruction: number, seed: number): void;
  read(file: string): Promise<void>;
  addRows(matrix: Float32Array, from: number, to: number, threads: number, order?: Int32Array): Promise<void>;
  search(
    matrix: Float32Array,
    order: Int32Array,
    from: number,
    to: number,
    k: number,
    ef: number,
    labels: Int32Array,
    dists: Float32Array,
    outFrom: number,
    width: number,
    threads: number,
    lost?: Uint8Array,
  ): Promise<void>;
  linkLost(matrix: Float32Array, rows: Int32Array, k: number, ef: number): Promise<number>;
  write(file: string): Promise<void>;
  repair(): Promise<ReachabilityRepair>;
  count(): number;
  release(): void;
}

/** What repair() did: bottom-layer nodes no path from the entry point reached, and how many got links. */
export interface ReachabilityRepair {
  unreachable: number;
  linked: number;
  unlinked: number;
}

type NativeModule = { ParallelGraph: new (dims: number) => NativeGraph };

export const PARALLEL_ADDON = 'marquee-parallel-graph.node';

let loaded: NativeModule | null | undefined;

/** The addon, or null when npm install could not build it (no toolchain): callers fall back to hnswlib-node. */
export function parallelGraphAddon(): NativeModule | null {
  if (loaded !== undefined) return loaded;
  try {
    const require = createRequire(import.meta.url);
    const file = path.join(path.dirname(require.resolve('hnswlib-node/package.json')), 'build', 'Release', PARALLEL_ADDON);
    loaded = existsSync(file) ? (require(file) as NativeModule) : null;
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Rows added per call: progress between calls, and the event loop turns. */
const ADD_CHUNK = 20_000;

export class ParallelGraph {
  private constructor(
    private readonly g: NativeGraph,
    readonly dims: number,
  ) {}

  static create(dims: number): ParallelGraph {
    const m = parallelGraphAddon();
    if (!m) throw new Error('the parallel-graph addon is not built (npm install runs pipeline/index/native-build.mjs)');
    return new ParallelGraph(new m.ParallelGraph(dims), dims);
  }

  /** What the build's reachability repair did (null: not run). */
  repaired: ReachabilityRepair | null = null;

  /**
   * Builds the graph of every row of `matrix` (label = row) on `threads` threads, inserting the rows
   * in `order` (a permutation of the rows; default row order), then (unless `repair` is false) links
   * the nodes no path from the entry point reaches (repair()).
   */
  static async build(
    matrix: Float32Array,
    dims: number,
    p: IndexParams,
    threads: number,
    onProgress?: (done: number) => void,
    { repair = true, order }: { repair?: boolean; order?: Int32Array } = {},
  ): Promise<ParallelGraph> {
    const n = matrix.length / dims;
    if (order && order.length !== n) throw new RangeError(`insertion order of ${order.length} rows for a matrix of ${n}`);
    const graph = ParallelGraph.create(dims);
    graph.g.init(Math.max(1, n), p.M, p.efConstruction, p.seed);
    try {
      for (let from = 0; from < n; from += ADD_CHUNK) {
        const to = Math.min(n, from + ADD_CHUNK);
        await graph.g.addRows(matrix, from, to, threads, order);
        onProgress?.(to);
        await nextTurn();
      }
      if (repair) graph.repaired = await graph.repair();
    } catch (err) {
      graph.release();
      throw err;
    }
    return graph;
  }

  /** Reads a graph file (written by write() or hnswlib-node's writeIndex). */
  static async read(file: string, dims: number): Promise<ParallelGraph> {
    const graph = ParallelGraph.create(dims);
    await graph.g.read(file);
    return graph;
  }

  get count(): number {
    return this.g.count();
  }

  /**
   * For positions [from, to) of `order`: the k nearest rows of row order[p] at `ef`, nearest first,
   * written to entries [(outFrom + p - from) * width, +width) of labels/dists (label -1 past the end).
   */
  async search(
    matrix: Float32Array,
    order: Int32Array,
    from: number,
    to: number,
    k: number,
    ef: number,
    out: { labels: Int32Array; dists: Float32Array; width: number },
    outFrom: number,
    threads: number,
    /** per row of the matrix: set to 1 when the row's search did not return it (nor an equal vector), else 0 */
    lost?: Uint8Array,
  ): Promise<void> {
    // async: the addon's argument checks throw at once, and callers see them as a rejection
    return this.g.search(matrix, order, from, to, k, Math.max(ef, k), out.labels, out.dists, outFrom, out.width, threads, lost);
  }

  /**
   * For each of `rows` (in order) whose own search (k, ef) does not return it: links it from the
   * nodes that search ends at, nearest first, those with room, up to M. Returns how many were linked.
   */
  async linkLost(matrix: Float32Array, rows: Int32Array, k: number, ef: number): Promise<number> {
    return this.g.linkLost(matrix, rows, k, Math.max(ef, k));
  }

  /**
   * Gives every node no search could reach (hnswlib's pruning can leave a node, or a small island,
   * with no incoming link) links from its nearest reachable nodes that have room. Deterministic for
   * a given graph.
   */
  async repair(): Promise<ReachabilityRepair> {
    return this.g.repair();
  }

  async write(file: string): Promise<void> {
    return this.g.write(file);
  }

  /** Frees the native graph now (V8 does not see its memory). */
  release(): void {
    this.g.release();
  }
}

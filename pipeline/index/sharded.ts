// An index of 2+ HNSW graphs over contiguous row ranges, built at once on as many threads and
// searched together: hnswlib-node inserts on one thread only, so at 10^6 vectors one graph is the
// longest step of a rebuild. Each shard is built single-threaded with the fixed seed, so the result
// is deterministic; a search asks every shard for k and keeps the k nearest overall (by distance,
// then label), which finds at least what one shard alone would.
import path from 'node:path';
import hnswlib from 'hnswlib-node';

type Hnsw = InstanceType<typeof hnswlib.HierarchicalNSW>;

export interface KnnResult {
  neighbors: number[];
  distances: number[];
}

/** What callers use of an index: one graph, or shards searched together. */
export interface KnnIndex {
  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): KnnResult;
  getPoint(label: number): number[];
  getEf(): number;
  setEf(ef: number): void;
}

/**
 * Frees a graph's native memory now: hnswlib-node's initIndex deletes the graph it holds, and V8
 * does not see that memory, so it would otherwise wait for a GC that has no reason to come soon
 * (1.2 GB per 10^6 vectors).
 */
export function releaseGraph(g: Hnsw): void {
  g.initIndex({ maxElements: 1, m: 2, efConstruction: 2 });
}

/** Shard file names: the first keeps the one-graph name, so a one-shard version is unchanged. */
export function shardFile(i: number): string {
  return i === 0 ? 'index.hnsw' : `index-${i}.hnsw`;
}

/** Row ranges of `shards` shards over n rows: shard i holds [bounds[i], bounds[i+1]). */
/** Reads shard `i` of the index in `dir` (its graph file), searching with `ef`. */
export async function readShard(dir: string, i: number, dims: number, ef: number): Promise<Hnsw> {
  const g = new hnswlib.HierarchicalNSW('cosine', dims);
  await g.readIndex(path.join(dir, shardFile(i)));
  g.setEf(ef);
  return g;
}

export function shardBounds(n: number, shards: number): number[] {
  return Array.from({ length: shards + 1 }, (_, i) => Math.floor((i * n) / shards));
}

export class ShardedIndex implements KnnIndex {
  constructor(
    private readonly shards: Hnsw[],
    private readonly bounds: number[],
  ) {}

  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): KnnResult {
    const hits: [number, number][] = [];
    this.shards.forEach((s, i) => {
      const size = this.bounds[i + 1] - this.bounds[i];
      const want = Math.min(k, size);
      if (want <= 0) return;
      const r = s.searchKnn(query, want, filter);
      r.neighbors.forEach((l, j) => hits.push([l, r.distances[j]]));
    });
    hits.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const top = hits.slice(0, k);
    return { neighbors: top.map((h) => h[0]), distances: top.map((h) => h[1]) };
  }

  getPoint(label: number): number[] {
    for (let i = 0; i < this.shards.length; i++) if (label < this.bounds[i + 1]) return this.shards[i].getPoint(label);
    throw new Error(`label ${label} is not in the index`);
  }

  getEf(): number {
    return this.shards[0].getEf();
  }

  setEf(ef: number): void {
    for (const s of this.shards) s.setEf(ef);
  }

  release(): void {
    for (const s of this.shards) releaseGraph(s);
  }
}

/** Frees an index's graphs (see releaseGraph); it answers nothing afterwards. */
export function releaseIndex(index: KnnIndex): void {
  if (index instanceof ShardedIndex) index.release();
  else releaseGraph(index as Hnsw);
}

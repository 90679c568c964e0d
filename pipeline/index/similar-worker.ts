// A helper thread of the index stage: fills a slice of the similar lists (shared memory) with its own
// copy of the graph (hnswlib-node keeps an index per thread) and the main thread's rerank features
// (shared memory too), so two cores search at once.
import { helperMain } from '../runtime/helper-thread.js';
import { loadIndex } from './hnsw.js';
import { RerankFeatures, type RerankColumns } from './rerank.js';
import { releaseIndex } from './sharded.js';
import { fillSimilarLists, type SimilarLists } from './similar-lists.js';

export interface SimilarSliceTask {
  /** the dir holding the index (one graph or shards) */
  dir: string;
  ef: number;
  /** the embedding matrix on a SharedArrayBuffer (not copied) */
  matrix: Float32Array;
  /** the rerank features on SharedArrayBuffers (not copied) */
  features: RerankColumns;
  out: SimilarLists;
  from: number;
  to: number;
}

await helperMain<SimilarSliceTask>(async (t, progress) => {
  const { index, meta } = await loadIndex(t.dir);
  index.setEf(t.ef);
  const features = new RerankFeatures(t.features);
  fillSimilarLists(index, t.matrix, meta.dims, features, t.out, t.from, t.to, progress);
  releaseIndex(index);
});

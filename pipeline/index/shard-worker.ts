// A helper thread of the index stage: builds one shard's graph (rows [from, to) of the shared
// matrix, labels = row numbers) and writes it, while the stage's thread builds another.
import { helperMain } from '../runtime/helper-thread.js';
import { addRowRange, newIndex, type IndexParams } from './hnsw.js';
import { releaseGraph } from './sharded.js';

export interface ShardTask {
  matrix: Float32Array;
  dims: number;
  from: number;
  to: number;
  params: IndexParams;
  file: string;
}

await helperMain<ShardTask>(async (t, progress) => {
  const index = newIndex(t.dims, t.to - t.from, t.params);
  addRowRange(index, t.matrix, t.dims, t.from, t.to, progress);
  await index.writeIndex(t.file);
  releaseGraph(index);
});

// A helper thread of the index stage: builds one shard's graph (rows [from, to) of the shared
// matrix, labels = row numbers) and writes it, while the stage's thread builds another.
import { parentPort, workerData } from 'node:worker_threads';
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

export type ShardEvent = { type: 'progress'; done: number } | { type: 'done' } | { type: 'error'; message: string };

const post = (e: ShardEvent) => parentPort!.postMessage(e);
const t = workerData as ShardTask;
try {
  const index = newIndex(t.dims, t.to - t.from, t.params);
  addRowRange(index, t.matrix, t.dims, t.from, t.to, (done) => post({ type: 'progress', done }));
  await index.writeIndex(t.file);
  releaseGraph(index);
  post({ type: 'done' });
} catch (e) {
  post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}

// Worker-thread side of the scores stage: aggregates whole raw ratings files, one per message.
import { parentPort, workerData } from 'node:worker_threads';
import { aggregateRatingsFile, type RatingsAggregate } from './ratings.js';

export type ToRatingsWorker = { type: 'file'; path: string; file: string } | { type: 'stop' };
export type FromRatingsWorker =
  | { type: 'progress'; file: string; rows: number }
  | { type: 'done'; file: string; agg: RatingsAggregate }
  | { type: 'error'; file: string; message: string };

const ids = (workerData as { ids: string[] }).ids;
const index = new Map(ids.map((id, i) => [id, i]));
const port = parentPort!;

port.on('message', (m: ToRatingsWorker) => {
  if (m.type === 'stop') {
    port.close();
    return;
  }
  aggregateRatingsFile(m.path, m.file, index, (rows) => port.postMessage({ type: 'progress', file: m.file, rows } satisfies FromRatingsWorker)).then(
    (agg) => port.postMessage({ type: 'done', file: m.file, agg } satisfies FromRatingsWorker, [agg.sums.buffer as ArrayBuffer, agg.counts.buffer as ArrayBuffer, agg.hist.buffer as ArrayBuffer]),
    (err: Error) => port.postMessage({ type: 'error', file: m.file, message: err.message } satisfies FromRatingsWorker),
  );
});

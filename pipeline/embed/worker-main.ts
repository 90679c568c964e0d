// Runs one task from workerData and reports back through messages (see tasks.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { embedMovies } from './embed-movies.js';
import { embedRows } from './embed-rows.js';
import { buildIndex } from '../index/hnsw.js';
import { trainRatings } from '../ratings/train.js';
import type { WorkerEvent, WorkerTask } from './tasks.js';

const post = (e: WorkerEvent) => parentPort!.postMessage(e);
const hooks = {
  progress: (done: number, total: number, message: string) => post({ type: 'progress', done, total, message }),
  log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => post({ type: 'log', level, msg, fields }),
};

async function run(task: WorkerTask): Promise<void> {
  try {
    const result =
      task.kind === 'embed'
        ? await embedMovies(task.job, hooks)
        : task.kind === 'embed-rows'
          ? await embedRows(task.job, hooks)
          : task.kind === 'train'
            ? await trainRatings(task.job, hooks)
            : await buildIndex(task.job, hooks);
    post({ type: 'done', result, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', message: err.message, stack: err.stack });
  }
}

await run(workerData as WorkerTask);

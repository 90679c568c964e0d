// Runs the one task the parent sends, reports back over IPC (the WorkerEvent protocol), then exits.
import { embedMovies } from './embed-movies.js';
import { buildIndex } from '../index/hnsw.js';
import type { WorkerEvent, WorkerTask } from './tasks.js';

const post = (e: WorkerEvent) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(e, undefined, undefined, () => resolve());
  });
const hooks = {
  progress: (done: number, total: number, message: string) => void post({ type: 'progress', done, total, message }),
  log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void post({ type: 'log', level, msg, fields }),
};

process.once('message', async (task: WorkerTask) => {
  try {
    if (task.kind !== 'embed' && task.kind !== 'index') throw new Error(`a ${task.kind} task runs in a worker thread, not a child process`);
    const result = task.kind === 'embed' ? await embedMovies(task.job, hooks) : await buildIndex(task.job, hooks);
    await post({ type: 'done', result, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    await post({ type: 'error', message: err.message, stack: err.stack });
  }
  process.disconnect?.();
  // the model's thread pool can keep the process alive: the work is done and reported
  setTimeout(() => process.exit(0), 100).unref();
});

// Runs a CPU-heavy task (embedding, fitting, index building) in a worker thread, so the event loop of
// the process that runs the stage (a BullMQ worker renewing its job locks, the inline runner's
// progress bar) keeps turning.
import { Worker } from 'node:worker_threads';
import type { TaskResult, WorkerEvent, WorkerTask } from './tasks';

export interface ThreadHooks {
  progress?: (done: number, total: number, message: string) => void;
  log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  signal?: AbortSignal;
}

export function runInThread<T extends WorkerTask>(task: T, hooks: ThreadHooks = {}): Promise<TaskResult<T>> {
  return new Promise((resolve, reject) => {
    if (hooks.signal?.aborted) return reject(hooks.signal.reason ?? new Error('aborted'));
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: task });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      void worker.terminate();
      finish(() => reject(hooks.signal?.reason ?? new Error('aborted')));
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (e: WorkerEvent) => {
      switch (e.type) {
        case 'progress':
          hooks.progress?.(e.done, e.total, e.message);
          break;
        case 'log':
          hooks.log?.(e.level, e.msg, e.fields);
          break;
        case 'done':
          finish(() => resolve(e.result as TaskResult<T>));
          void worker.terminate();
          break;
        case 'error': {
          const err = new Error(e.message);
          if (e.stack) err.stack = e.stack;
          finish(() => reject(err));
          void worker.terminate();
          break;
        }
      }
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`${task.kind} worker thread exited with code ${code} before finishing`))));
  });
}

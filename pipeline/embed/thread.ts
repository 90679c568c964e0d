// Runs a CPU-heavy task (embedding, fitting, index building) off the calling event loop, so the
// process that runs the stage (a BullMQ worker renewing its job locks, the inline runner's progress
// bar) keeps turning:
// - in a worker thread (catalog embedder, HNSW build: plain JS and hnswlib-node, whose addon keeps
//   its state per thread);
// - in a child process when the task may load onnxruntime-node (the transformers embedder):
//   onnxruntime-node 1.14 keeps process-global references to JS objects of the first thread that
//   loaded it, so a second thread that loads it (a later run's worker, or a main thread that also
//   uses it) can corrupt the heap (microsoft/onnxruntime#13086). A process per run is immune, and
//   its memory (the model, the batch tensors) goes back to the OS when the run ends.
import type { ChildProcess } from 'node:child_process';
import { entryUrl, forkEntry, startThread } from '../runtime/entry.js';
import type { TaskResult, WorkerEvent, WorkerTask } from './tasks.js';

export interface ThreadHooks {
  progress?: (done: number, total: number, message: string) => void;
  log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  signal?: AbortSignal;
}

export interface TaskRun<R> {
  result: R;
  /** peak RSS of the child process, when the task ran in one */
  childPeakRssBytes?: number;
}

interface Port {
  onMessage(fn: (e: WorkerEvent) => void): void;
  onError(fn: (err: Error) => void): void;
  onExit(fn: (code: number | null) => void): void;
  stop(): void;
}

function threadPort(task: WorkerTask): Port {
  const worker = startThread(entryUrl('./worker-main.ts', import.meta.url), task);
  return {
    onMessage: (fn) => void worker.on('message', fn),
    onError: (fn) => void worker.on('error', fn),
    onExit: (fn) => void worker.on('exit', fn),
    stop: () => void worker.terminate(),
  };
}

function processPort(task: WorkerTask): Port {
  const child: ChildProcess = forkEntry(entryUrl('./child-main.ts', import.meta.url), {
    // the child's stdout goes to our stderr: CLI output on stdout stays clean
    stdio: ['ignore', process.stderr, 'inherit', 'ipc'],
    execArgv: [],
    serialization: 'advanced', // structured clone: typed arrays survive
  });
  child.send(task);
  return {
    onMessage: (fn) => void child.on('message', fn),
    onError: (fn) => void child.on('error', fn),
    onExit: (fn) => void child.on('exit', fn),
    stop: () => void child.kill('SIGTERM'),
  };
}

export function runTask<T extends WorkerTask>(
  task: T,
  hooks: ThreadHooks = {},
  where: 'thread' | 'process' = 'thread',
): Promise<TaskRun<TaskResult<T>>> {
  return new Promise((resolve, reject) => {
    if (hooks.signal?.aborted) return reject(hooks.signal.reason ?? new Error('aborted'));
    const port = where === 'process' ? processPort(task) : threadPort(task);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      port.stop();
      finish(() => reject(hooks.signal?.reason ?? new Error('aborted')));
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    port.onMessage((e) => {
      switch (e.type) {
        case 'progress':
          hooks.progress?.(e.done, e.total, e.message);
          break;
        case 'log':
          hooks.log?.(e.level, e.msg, e.fields);
          break;
        case 'done':
          finish(() => resolve({ result: e.result as TaskResult<T>, childPeakRssBytes: e.peakRssBytes }));
          if (where === 'thread') port.stop();
          break;
        case 'error': {
          const err = new Error(e.message);
          if (e.stack) err.stack = e.stack;
          finish(() => reject(err));
          if (where === 'thread') port.stop();
          break;
        }
      }
    });
    port.onError((err) => finish(() => reject(err)));
    port.onExit((code) =>
      finish(() => reject(new Error(`${task.kind} ${where === 'process' ? 'child process' : 'worker thread'} exited (${code}) before finishing`))),
    );
  });
}

/** Worker-thread shorthand (the catalog embedder and the index). */
export async function runInThread<T extends WorkerTask>(task: T, hooks: ThreadHooks = {}): Promise<TaskResult<T>> {
  return (await runTask(task, hooks, 'thread')).result;
}

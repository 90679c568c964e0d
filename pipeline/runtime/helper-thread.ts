// Helper threads that work beside the calling thread on a slice of a shared job (an index shard, a
// range of similar lists): the parent side starts one and follows its progress, the thread side
// runs its body and reports. One mechanism, so both index helpers fail, report and stop alike.
import { parentPort, workerData } from 'node:worker_threads';
import { startThread } from './entry.js';

type HelperEvent = { type: 'progress'; done: number } | { type: 'done'; result?: unknown } | { type: 'error'; message: string };

/**
 * Runs `entry` (a URL from entryUrl) on a thread with `task`; resolves with what its body returned
 * when it is done, rejects with its error. `signal` stops the thread (the caller gave up).
 */
export function runHelper<R = void>(entry: URL, task: unknown, what: string, onProgress: (done: number) => void, signal?: AbortSignal): Promise<R> {
  const w = startThread(entry, task);
  return new Promise<R>((resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new Error(`${what}: stopped`)), { once: true });
    w.on('message', (e: HelperEvent) => {
      if (e.type === 'progress') onProgress(e.done);
      else if (e.type === 'done') resolve(e.result as R);
      else reject(new Error(`${what}: ${e.message}`));
    });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 ? reject(new Error(`${what} thread ended without its result`)) : reject(new Error(`${what} thread exited ${code}`))));
  }).finally(() => void w.terminate());
}

/**
 * The thread side: runs `body` with this thread's task and a progress reporter, then says done (with
 * its result) or why not. `transfer` names the result's buffers to move rather than copy.
 */
export async function helperMain<T, R = void>(
  body: (task: T, progress: (done: number) => void) => Promise<R>,
  transfer: (result: R) => ArrayBuffer[] = () => [],
): Promise<void> {
  const post = (e: HelperEvent, moved: ArrayBuffer[] = []) => parentPort!.postMessage(e, moved);
  try {
    const result = await body(workerData as T, (done) => post({ type: 'progress', done }));
    post({ type: 'done', ...(result !== undefined && { result }) }, result !== undefined ? transfer(result) : []);
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

/** Sums the progress of several slices worked at once (slot 0: the calling thread). */
export function progressSum(slices: number, onProgress: (done: number) => void): (slice: number) => (done: number) => void {
  const done = new Array<number>(slices).fill(0);
  return (slice) => (d) => {
    done[slice] = d;
    onProgress(done.reduce((a, b) => a + b, 0));
  };
}

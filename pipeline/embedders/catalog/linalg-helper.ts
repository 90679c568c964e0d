// The helper thread of TwoThreadDenseOps (linalg-threads.ts): computes its share of each product it
// is sent, then replies on its port and wakes the waiting caller.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { runDenseJob, type DenseJob, type DenseReply } from './linalg-threads.js';

let port: MessagePort | null = null;
parentPort!.on('message', (m: { port: MessagePort } | { job: DenseJob; state: Int32Array }) => {
  if ('port' in m) {
    port = m.port;
    parentPort!.postMessage('ready');
    return;
  }
  let reply: DenseReply = { ok: true };
  try {
    runDenseJob(m.job);
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  // the reply first: the caller reads it as soon as it wakes
  port!.postMessage(reply);
  Atomics.store(m.state, 0, 'ok' in reply ? 1 : 2);
  Atomics.notify(m.state, 0);
});

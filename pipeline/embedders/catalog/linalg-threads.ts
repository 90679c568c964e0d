// The fit's dense products on two threads: this one and a helper, each computing its share of the
// output entries in place on shared memory. The SVD itself stays synchronous: the caller posts the
// helper its share, computes its own, then blocks (Atomics.wait) until the helper signals. Every
// entry is summed in the order the one-thread kernels use (linalg.ts), so the fit is the same bits.
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { entryUrl, startThread } from '../../runtime/entry.js';
import {
  csrMulDenseRows,
  csrTMulDenseColumns,
  gramRows,
  mirrorUpper,
  mulDenseRows,
  type Csr,
  type DenseOps,
} from './linalg.js';

/** A helper's share of one product (the arrays on SharedArrayBuffers). */
export type DenseJob =
  | { op: 'csrMul'; A: Csr; X: Float64Array; l: number; out: Float64Array; from: number; to: number }
  | { op: 'csrTMul'; A: Csr; Y: Float64Array; l: number; out: Float64Array; from: number; to: number }
  | { op: 'gram'; Y: Float64Array; n: number; l: number; out: Float64Array; from: number; to: number }
  | { op: 'mul'; Y: Float64Array; l: number; M: Float64Array; m: number; upper: boolean; out: Float64Array; from: number; to: number };

/** The helper's reply on its port: done, or why not. */
export type DenseReply = { ok: true } | { error: string };

/** Runs one job's share: the same kernels the one-thread products use. */
export function runDenseJob(j: DenseJob): void {
  if (j.op === 'csrMul') csrMulDenseRows(j.A, j.X, j.l, j.out, j.from, j.to);
  else if (j.op === 'csrTMul') csrTMulDenseColumns(j.A, j.Y, j.l, j.out, j.from, j.to);
  else if (j.op === 'gram') gramRows(j.Y, j.n, j.l, j.out, j.from, j.to);
  else mulDenseRows(j.Y, j.l, j.M, j.m, j.upper, j.out, j.from, j.to);
}

/** A full collection on this thread (V8's gc, reached through a fresh context once the flag is set). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** How long a product may keep the caller waiting on the helper before the fit gives up. */
const HELPER_TIMEOUT_MS = 10 * 60_000;

function onShared<T extends Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

export class TwoThreadDenseOps implements DenseOps {
  /** 0 while the helper works, 1 when it is done, 2 when it failed */
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private readonly sharedCsr = new WeakMap<Csr, Csr>();
  /**
   * Released outputs by length, reused: V8 does not count shared memory when it decides to collect
   * (nodejs/node#34703), and a fit's intermediates, each hundreds of MB, were held to its end (+0.55 GB
   * at 10^5 fit docs, against the one-thread fit).
   */
  private readonly free = new Map<number, Float64Array[]>();
  private readonly made = new WeakSet<Float64Array>();
  private closed = false;

  private constructor(
    private readonly w: Worker,
    private readonly port: MessagePort,
  ) {}

  /** Starts the helper thread and waits until it is ready (its modules loaded). */
  static async start(): Promise<TwoThreadDenseOps> {
    const { port1, port2 } = new MessageChannel();
    const w = startThread(entryUrl('./linalg-helper.ts', import.meta.url), null);
    const ops = new TwoThreadDenseOps(w, port1);
    const ready = once(w, 'message');
    w.postMessage({ port: port2 }, [port2]);
    await ready;
    return ops;
  }

  /** Posts the helper its share, computes `mine`, then waits for the helper. */
  private run(job: DenseJob, mine: () => void): void {
    if (this.closed) throw new Error('dense products: the helper thread is closed');
    Atomics.store(this.state, 0, 0);
    this.w.postMessage({ job, state: this.state });
    mine();
    const started = Date.now();
    while (Atomics.load(this.state, 0) === 0) {
      Atomics.wait(this.state, 0, 0, 1000);
      if (Atomics.load(this.state, 0) === 0 && Date.now() - started > HELPER_TIMEOUT_MS) {
        throw new Error(`dense products: the helper thread did not answer in ${HELPER_TIMEOUT_MS / 60_000} minutes`);
      }
    }
    const reply = receiveMessageOnPort(this.port)?.message as DenseReply | undefined;
    if (Atomics.load(this.state, 0) !== 1 || !reply || 'error' in reply) {
      throw new Error(`dense products: the helper thread failed: ${reply && 'error' in reply ? reply.error : 'no answer'}`);
    }
  }

  private csr(A: Csr): Csr {
    let s = this.sharedCsr.get(A);
    if (!s) {
      s = { rows: A.rows, cols: A.cols, indptr: onShared(A.indptr), indices: onShared(A.indices), data: onShared(A.data) };
      this.sharedCsr.set(A, s);
    }
    return s;
  }

  /** A zeroed output of n entries (the kernels add into it), recycled when one was released. */
  private shared(n: number): Float64Array {
    const reused = this.free.get(n)?.pop();
    if (reused) return reused.fill(0);
    const a = new Float64Array(new SharedArrayBuffer(n * 8));
    this.made.add(a);
    return a;
  }

  release(a: Float64Array): void {
    if (!this.made.has(a)) return;
    const list = this.free.get(a.length) ?? [];
    if (!list.includes(a)) list.push(a);
    this.free.set(a.length, list);
  }

  csrMulDense(A0: Csr, X0: Float64Array, l: number): Float64Array {
    const A = this.csr(A0);
    const X = onShared(X0);
    const out = this.shared(A.rows * l);
    // split at half the non-zeros: a row's cost is its non-zeros
    const half = A.indptr[A.rows] / 2;
    let mid = 0;
    while (mid < A.rows && A.indptr[mid] < half) mid++;
    this.run({ op: 'csrMul', A, X, l, out, from: mid, to: A.rows }, () => csrMulDenseRows(A, X, l, out, 0, mid));
    return out;
  }

  csrTMulDense(A0: Csr, Y0: Float64Array, l: number): Float64Array {
    const A = this.csr(A0);
    const Y = onShared(Y0);
    const out = this.shared(A.cols * l);
    const mid = l >> 1;
    this.run({ op: 'csrTMul', A, Y, l, out, from: mid, to: l }, () => csrTMulDenseColumns(A, Y, l, out, 0, mid));
    return out;
  }

  gram(Y0: Float64Array, n: number, l: number): Float64Array {
    const Y = onShared(Y0);
    const out = this.shared(l * l);
    // row a of the upper triangle holds l - a entries: the first l(1 - 1/√2) rows are half the work
    const mid = Math.round(l * (1 - Math.SQRT1_2));
    this.run({ op: 'gram', Y, n, l, out, from: mid, to: l }, () => gramRows(Y, n, l, out, 0, mid));
    mirrorUpper(out, l);
    return out;
  }

  mulDense(Y0: Float64Array, n: number, l: number, M0: Float64Array, m: number, upper = false): Float64Array {
    const Y = onShared(Y0);
    const M = onShared(M0);
    const out = this.shared(n * m);
    const mid = n >> 1;
    this.run({ op: 'mul', Y, l, M, m, upper, out, from: mid, to: n }, () => mulDenseRows(Y, l, M, m, upper, out, 0, mid));
    return out;
  }

  /**
   * Ends the helper thread and frees the recycled outputs now: V8 would not collect them for their
   * size (shared memory is not counted), and they would sit beside the embedding pass that follows.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.free.clear();
    this.port.close();
    await this.w.terminate();
    collectGarbage();
  }
}

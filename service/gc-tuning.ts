// How much V8 lets the old generation grow between full collections, for a serving process.
//
// Under load, Node's HTTP/2 layer (which grpc-js runs on) leaves garbage in the old generation on
// every call: a bare `node:http2` server runs a full collection every few hundred ms. V8 lets a heap
// of tens of MB grow by a large factor before the next one, so sweeping and finalizing that garbage
// lands in a few long pauses: 223-455 ms at 45k movies, about 200 ms in a bare server holding 300k
// strings (`npm run bench:gc`). A small fixed growth trades them for many short ones (20 %: 15-50 ms
// at 45k), but each of those pauses holds every call in flight and the concurrent marking of the
// whole heap then runs every ~200 ms on a core the callers need: at 45k, p99 3.6-4.3 ms became
// 12.7-13.5 ms and the call rate fell by a quarter. V8's own growth stays the default; an operator
// who cares more about the longest pause than about p99 sets a percent.
import v8 from 'node:v8';
import { ConfigError } from '../pipeline/config.js';

export const GC_GROWING_SETTING = 'MARQUEE_GC_HEAP_GROWING_PERCENT';

/** 0: V8's own heuristics (see above). */
export const DEFAULT_GC_HEAP_GROWING_PERCENT = 0;

export function gcGrowingPercentFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[GC_GROWING_SETTING];
  if (raw === undefined || raw.trim() === '') return DEFAULT_GC_HEAP_GROWING_PERCENT;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0 || v > 400) {
    throw new ConfigError(
      `${GC_GROWING_SETTING}=${JSON.stringify(raw)} must be a whole number from 0 (V8's own growth) to 400 (percent the old generation grows between full collections)`,
    );
  }
  return v;
}

/**
 * Sets the growth of this process's V8 (process-wide: serving entry points only, not tests'
 * in-process servers); V8 reads it whenever it sizes the next collection's limit. 0 leaves V8's own.
 */
export function applyGcGrowing(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * The V8 flag every serving process is started with (npm start, npm run service, the Dockerfile,
 * docker-compose, bench:scale; a test checks they agree). V8 sizes the young generation at start
 * (v8.setFlagsFromString is too late for it), so it cannot be set from here. With V8's 16 MB
 * semi-spaces, a scavenge came every ~25 ms of calls and found ~2 MB still alive (grpc-js and
 * HTTP/2 objects of calls that end a little later), so each paused the 32 calls in flight for
 * ~3.5 ms and promoted most of it, garbage the full collections then swept: that was the p99. With
 * 2 MB, a scavenge comes every few ms, finds ~130 KB alive and pauses for ~0.5 ms, and almost
 * nothing reaches the old generation: TitleScore at 10^6 movies, 32 in flight, p99 5.4-6.0 ms →
 * 2.2-2.4 ms and no full collection in 10 s (a bare node:http2 server: 4.0 → 1.7 ms).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--expose-gc'];

/**
 * A full collection now, when the process exposes one (--expose-gc, in SERVICE_NODE_FLAGS); false
 * otherwise. For the first catalog load only: the small young generation promotes the load's
 * temporaries, and collected before SERVING they cost no caller a pause (at 45k movies V8's own
 * collection of them came under load, 91 ms).
 */
export function collectBeforeServing(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return null;
  const t0 = performance.now();
  gc();
  return performance.now() - t0;
}

/** The SERVICE_NODE_FLAGS whose option this process was started without (in its arguments or NODE_OPTIONS), any value counting as given. */
export function missingServiceFlags(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const name = (flag: string) => flag.split('=')[0].replace(/_/g, '-');
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(name));
  return SERVICE_NODE_FLAGS.filter((f) => !given.has(name(f)));
}

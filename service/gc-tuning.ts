// How much V8 lets the old generation grow between full collections, for a serving process.
//
// Under load, Node's HTTP/2 layer (which grpc-js runs on) leaves garbage in the old generation on
// every call: a bare `node:http2` server answering 40k calls/s runs a Mark-Compact every ~200 ms.
// V8 lets the old space grow by a factor it picks from the heap (2-4× for a heap of tens of MB), so
// the garbage between two full collections grows with it, and sweeping and finalizing it
// (external header strings) happens inside the pause: 200 ms with 300k live strings in a bare
// server (`npm run bench:gc`, the ceiling). A small fixed growth makes full collections more frequent and
// each one short.
import v8 from 'node:v8';
import { ConfigError } from '../pipeline/config.js';

export const GC_GROWING_SETTING = 'MARQUEE_GC_HEAP_GROWING_PERCENT';

/** 0: V8's own heuristics. Chosen with bench:scale (see README "Scale"). */
export const DEFAULT_GC_HEAP_GROWING_PERCENT = 20;

export function gcGrowingPercentFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[GC_GROWING_SETTING];
  if (raw === undefined || raw.trim() === '') return DEFAULT_GC_HEAP_GROWING_PERCENT;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0 || v > 400) {
    throw new ConfigError(`${GC_GROWING_SETTING}=${JSON.stringify(raw)} must be a whole number from 0 (V8's own growth) to 400 (percent the old generation grows between full collections)`);
  }
  return v;
}

/** Applies the growth to this process's V8 (process-wide: serving entry points only, not tests' in-process servers). */
export function applyGcGrowing(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

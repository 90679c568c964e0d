// How much V8 lets the old generation grow between full collections, for a serving process.
//
// Under load, Node's HTTP/2 layer (which grpc-js runs on) leaves garbage in the old generation on
// every call: a bare `node:http2` server answering 40k calls/s runs a Mark-Compact every ~200 ms.
// For a heap of tens of MB V8 lets the old space grow by a large factor, so the garbage between two
// full collections is several times the live heap, and sweeping and finalizing it (external header
// strings) happens inside the pause: 250-455 ms at 45k movies, 200 ms in a bare server holding
// 300k strings (`npm run bench:gc`). A fixed 20 % growth makes full collections frequent and short
// (14-31 ms). For a large heap it is the wrong trade: every full collection marks the whole heap,
// and at 10^6 movies (1.5 GB) 20 % made them frequent enough to halve the call rate and lengthen
// the pauses (147 against 93 ms), while V8's own growth is already small near its heap limit. So
// `auto` takes 20 % for catalogs under AUTO_MAX_MOVIES and V8's own above, decided before each load
// from the version's manifest.
import v8 from 'node:v8';
import { ConfigError } from '../pipeline/config.js';

export const GC_GROWING_SETTING = 'MARQUEE_GC_HEAP_GROWING_PERCENT';

/** auto: AUTO_GROWTH_PERCENT below AUTO_MAX_MOVIES movies, V8's own above; a number: always that (0: V8's own). */
export type GcGrowing = 'auto' | number;

export const AUTO_GROWTH_PERCENT = 20;
export const AUTO_MAX_MOVIES = 300_000;

export function gcGrowingFrom(env: NodeJS.ProcessEnv = process.env): GcGrowing {
  const raw = env[GC_GROWING_SETTING];
  if (raw === undefined || raw.trim() === '' || raw.trim().toLowerCase() === 'auto') return 'auto';
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0 || v > 400) {
    throw new ConfigError(
      `${GC_GROWING_SETTING}=${JSON.stringify(raw)} must be auto or a whole number from 0 (V8's own growth) to 400 (percent the old generation grows between full collections)`,
    );
  }
  return v;
}

/** The growth for a catalog of `movies` movies (0: V8's own). */
export function growthFor(setting: GcGrowing, movies: number): number {
  if (setting !== 'auto') return setting;
  return movies < AUTO_MAX_MOVIES ? AUTO_GROWTH_PERCENT : 0;
}

let applied = 0;

/**
 * Sets the growth of this process's V8 (process-wide: serving entry points only, not tests'
 * in-process servers). V8 reads it whenever it sizes the next collection's limit; 0 restores its own.
 */
export function applyGcGrowing(percent: number): boolean {
  if (percent === applied) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  applied = percent;
  return true;
}

// Small, exact statistics as streaming accumulators, so the EDA's memory does not grow with the catalog.

/** Rounds for the summary file, so it reads well and is identical run to run. */
export function round(x: number | null, digits = 4): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Entries of a count map, most first, ties by key (code-point order, locale-independent). */
export function sortedCounts(counts: Map<string, number>): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function increment(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/**
 * Pearson r over a stream of pairs (Welford's co-moments: one pass, no stored values, accurate for
 * large budgets and revenues). Same contract as pearson(): null for fewer than 3 pairs or a constant side.
 */
export class PearsonAccumulator {
  n = 0;
  private mx = 0;
  private my = 0;
  private sxx = 0;
  private syy = 0;
  private sxy = 0;

  add(x: number, y: number): void {
    this.n++;
    const dx = x - this.mx;
    this.mx += dx / this.n;
    const dy = y - this.my;
    this.my += dy / this.n;
    this.sxx += dx * (x - this.mx);
    this.syy += dy * (y - this.my);
    this.sxy += dx * (y - this.my);
  }

  r(): number | null {
    if (this.n < 3 || this.sxx <= 0 || this.syy <= 0) return null;
    return Math.max(-1, Math.min(1, this.sxy / Math.sqrt(this.sxx * this.syy)));
  }
}

/** Counts of exact values: median and mean without keeping one entry per movie. */
export class ValueCounts {
  private readonly counts = new Map<number, number>();
  total = 0;
  private sum = 0;

  add(v: number): void {
    this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
    this.total++;
    this.sum += v;
  }

  entries(): [number, number][] {
    return [...this.counts].sort((a, b) => a[0] - b[0]);
  }

  mean(): number | null {
    return this.total ? this.sum / this.total : null;
  }

  /** The median (the average of the two middle values for an even count). */
  median(): number | null {
    if (!this.total) return null;
    const lo = (this.total - 1) >> 1;
    const hi = this.total >> 1;
    let seen = 0;
    let a: number | null = null;
    for (const [v, c] of this.entries()) {
      if (a === null && seen + c > lo) a = v;
      if (seen + c > hi) return (a! + v) / 2;
      seen += c;
    }
    return a;
  }
}

/** A 32-bit integer mix (murmur3's finaliser): spreads ids so "lowest hashes" is an unbiased sample. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A fixed-size sample that does not depend on input order: the items whose keys hash lowest.
 * Memory stays at most twice the sample size whatever the stream length.
 */
export class HashSample<T> {
  private items: { h: number; key: number; item: T }[] = [];

  constructor(readonly size: number) {}

  add(key: number, item: T): void {
    this.items.push({ h: mix32(key), key, item });
    if (this.items.length >= 2 * this.size) this.trim();
  }

  private trim(): void {
    this.items.sort((a, b) => a.h - b.h || a.key - b.key);
    this.items.length = Math.min(this.items.length, this.size);
  }

  /** The sample, in key order. */
  values(): T[] {
    this.trim();
    return [...this.items].sort((a, b) => a.key - b.key).map((e) => e.item);
  }
}

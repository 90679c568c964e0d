import { distance } from 'fastest-levenshtein';
import { normalizeKey } from './text.js';

/**
 * "Did you mean" over a fixed set of names (titles, people, companies...).
 *
 * Edit distance against every name is too slow for 45k titles (or 170k actors) per query, so a
 * trigram index picks the names that share most trigrams with the query (Dice coefficient, best
 * `shortlist` kept in a bounded heap), and only those are ranked by Levenshtein similarity
 * (fastest-levenshtein). Built once per catalog version; a query costs one pass over the posting
 * lists of its own trigrams. Trigrams are numbers (three UTF-16 units packed in a double) and the
 * posting lists one Int32Array, which keeps the index small and quick to build.
 */
export class Suggester {
  private readonly display: string[];
  private readonly keys: string[];
  private readonly weights: Float64Array;
  private readonly gramCounts: Uint16Array;
  /** trigram code -> [start, end) in `postings` */
  private readonly slots: Map<number, number>;
  private readonly offsets: Int32Array;
  private readonly postings: Int32Array;
  private readonly hits: Uint16Array;
  private readonly touched: Int32Array;

  /**
   * @param names display names; names with the same key are merged (the first one is shown)
   * @param weight optional tie-breaker (e.g. popularity): among equally close names, heavier first;
   *   gets each name and its position in `names`
   */
  constructor(names: Iterable<string>, weight?: (name: string, i: number) => number, prebuilt?: SuggesterIndex) {
    let index = prebuilt;
    if (!index) {
      const steps = buildIndex(names, weight);
      let r = steps.next();
      while (!r.done) r = steps.next();
      index = r.value;
    }
    this.display = index.display;
    this.keys = index.keys;
    this.weights = index.weights;
    this.gramCounts = index.gramCounts;
    this.slots = index.slots;
    this.offsets = index.offsets;
    this.postings = index.postings;
    this.hits = new Uint16Array(this.keys.length);
    this.touched = new Int32Array(this.keys.length);
  }

  /** Same as the constructor, but lets the event loop run every few thousand names (background loads). */
  static async build(names: Iterable<string>, weight?: (name: string, i: number) => number): Promise<Suggester> {
    const steps = buildIndex(names, weight);
    let r = steps.next();
    while (!r.done) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      r = steps.next();
    }
    return new Suggester([], undefined, r.value);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Up to `limit` known names closest to `query`, best first; [] when nothing is reasonably close. */
  suggest(query: string, limit = 5, shortlist = 48): string[] {
    const q = normalizeKey(query).slice(0, 200);
    const n = this.keys.length;
    if (q.length === 0 || n === 0) return [];
    const qGrams = trigramCodes(q);
    const { hits, touched, postings, offsets } = this;
    let t = 0;
    for (const g of qGrams) {
      const slot = this.slots.get(g);
      if (slot === undefined) continue;
      for (let j = offsets[slot], end = offsets[slot + 1]; j < end; j++) {
        const i = postings[j];
        if (hits[i] === 0) touched[t++] = i;
        hits[i]++;
      }
    }
    // Dice coefficient on trigram sets; a bounded min-heap keeps the best `shortlist` without
    // sorting every name that shares a common trigram ("the") with the query.
    const qn = qGrams.length;
    const heapIdx = new Int32Array(shortlist);
    const heapDice = new Float64Array(shortlist);
    let size = 0;
    for (let k = 0; k < t; k++) {
      const i = touched[k];
      const dice = (2 * hits[i]) / (qn + this.gramCounts[i]);
      hits[i] = 0;
      if (dice < MIN_DICE) continue;
      if (size < shortlist) heapPush(heapIdx, heapDice, size++, i, dice);
      else if (dice > heapDice[0]) heapReplaceTop(heapIdx, heapDice, size, i, dice);
    }
    const ranked: { i: number; score: number }[] = [];
    for (let k = 0; k < size; k++) {
      const i = heapIdx[k];
      const key = this.keys[i];
      const sim = 1 - distance(q, key) / Math.max(q.length, key.length);
      ranked.push({ i, score: (sim + heapDice[k]) / 2 });
    }
    ranked.sort((a, b) => b.score - a.score || this.weights[b.i] - this.weights[a.i] || a.i - b.i);
    const out: string[] = [];
    for (const r of ranked) {
      if (r.score < MIN_SCORE || out.length >= limit) break;
      out.push(this.display[r.i]);
    }
    return out;
  }
}

const MIN_DICE = 0.2;
const MIN_SCORE = 0.35;
const CHUNK = 2048;

interface SuggesterIndex {
  display: string[];
  keys: string[];
  weights: Float64Array;
  gramCounts: Uint16Array;
  slots: Map<number, number>;
  offsets: Int32Array;
  postings: Int32Array;
}

/** Builds the index in steps (a `yield` every CHUNK names) so a caller may interleave other work. */
function* buildIndex(names: Iterable<string>, weight?: (name: string, i: number) => number): Generator<void, SuggesterIndex> {
  const seen = new Set<string>();
  const display: string[] = [];
  const keys: string[] = [];
  const w: number[] = [];
  let k = 0;
  for (const name of names) {
    const key = normalizeKey(name);
    if (key.length > 0 && !seen.has(key)) {
      seen.add(key);
      display.push(name);
      keys.push(key);
      w.push(weight ? weight(name, k) : 0);
    }
    if (++k % CHUNK === 0) yield;
  }
  const n = keys.length;
  // Pass 1: how many names hold each trigram. Pass 2 computes each name's trigrams again rather
  // than keeping an array per name (millions of names at 10^6 movies).
  const slots = new Map<number, number>();
  const counts: number[] = [];
  const gramCounts = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const grams = trigramCodes(keys[i]);
    gramCounts[i] = Math.min(grams.length, 0xffff);
    for (const g of grams) {
      let s = slots.get(g);
      if (s === undefined) {
        s = counts.length;
        slots.set(g, s);
        counts.push(0);
      }
      counts[s]++;
    }
    if ((i + 1) % CHUNK === 0) yield;
  }
  // Pass 2: one Int32Array of posting lists, CSR style.
  const offsets = new Int32Array(counts.length + 1);
  for (let s = 0; s < counts.length; s++) offsets[s + 1] = offsets[s] + counts[s];
  const fill = offsets.slice(0, counts.length);
  const postings = new Int32Array(offsets[counts.length]);
  for (let i = 0; i < n; i++) {
    for (const g of trigramCodes(keys[i])) postings[fill[slots.get(g)!]++] = i;
    if ((i + 1) % CHUNK === 0) yield;
  }
  return { display, keys, weights: Float64Array.from(w), gramCounts, slots, offsets, postings };
}

/** Distinct trigrams of a key, padded so that word starts and short keys still have some. */
export function trigrams(key: string): Set<string> {
  const s = `  ${key} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
}

/**
 * The same trigrams as numbers: three ASCII units packed in 21 bits (a small integer, which Maps
 * hash fast: most keys are ASCII after normalizeKey), any other three UTF-16 units in one double
 * (exact below 2^48, and at least 2^37 since the first unit is at least a space: the two never meet).
 */
function trigramCodes(key: string): number[] {
  const s = `  ${key} `;
  const out: number[] = [];
  for (let i = 0; i + 3 <= s.length; i++) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const c = s.charCodeAt(i + 2);
    const code = (a | b | c) < 128 ? (a << 14) | (b << 7) | c : a * 4294967296 + b * 65536 + c;
    if (!out.includes(code)) out.push(code);
  }
  return out;
}

// A binary min-heap over parallel arrays (index, dice), keyed by dice.
function heapPush(idx: Int32Array, val: Float64Array, size: number, i: number, v: number): void {
  let c = size;
  while (c > 0) {
    const p = (c - 1) >> 1;
    if (val[p] <= v) break;
    idx[c] = idx[p];
    val[c] = val[p];
    c = p;
  }
  idx[c] = i;
  val[c] = v;
}

function heapReplaceTop(idx: Int32Array, val: Float64Array, size: number, i: number, v: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && val[r] < val[l] ? r : l;
    if (val[m] >= v) break;
    idx[c] = idx[m];
    val[c] = val[m];
    c = m;
  }
  idx[c] = i;
  val[c] = v;
}

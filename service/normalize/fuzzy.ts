import { distance } from 'fastest-levenshtein';
import { nextTurn } from '../../pipeline/runtime/turns.js';
import { namesAt, namesOf, type Names } from '../../pipeline/catalog-columns/strings.js';
import { normalizeKey } from './text.js';

/**
 * "Did you mean" over a fixed set of names (titles, people, companies...).
 *
 * Edit distance against every name is too slow for 45k titles (or 170k actors) per query, so a
 * trigram index picks the names that share most trigrams with the query (Dice coefficient, best
 * `shortlist` kept in a bounded heap), and only those are ranked by Levenshtein similarity
 * (fastest-levenshtein). Built once per catalog version; a query costs one pass over the posting
 * lists of its own trigrams. Trigrams are numbers (three UTF-16 units packed in a double) and the
 * posting lists one byte array of ascending name indexes as varint gaps (1-2 bytes a posting where an
 * Int32Array took 4: 3.6 million names hold some 60 million postings at 10^6 movies).
 */
/** What answers "did you mean": a Suggester, or a LateSuggester that may not be built yet. */
export interface Suggestions {
  suggest(query: string, limit?: number): string[];
  /** '' once suggestions are available; else a clause for a NOT_FOUND message saying why there are none */
  readonly pendingNote: string;
}

export class Suggester implements Suggestions {
  readonly pendingNote = '';
  /** the names shown; a name's key (normalizeKey) is computed again when it is ranked, not kept */
  private readonly display: Names;
  private readonly weights: Float64Array;
  private readonly gramCounts: Uint16Array;
  /** trigram code -> slot; a slot's postings are the bytes [offsets[slot], offsets[slot + 1]) of `postings` */
  private readonly slots: GramSlots;
  private readonly offsets: Int32Array;
  private readonly postings: Uint8Array;
  private readonly hits: Uint16Array;
  private readonly touched: Int32Array;
  /** the query's trigrams (one buffer reused by every query) */
  private readonly queryGrams = new Grams();

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
    this.weights = index.weights;
    this.gramCounts = index.gramCounts;
    this.slots = index.slots;
    this.offsets = index.offsets;
    this.postings = index.postings;
    this.hits = new Uint16Array(this.display.length);
    this.touched = new Int32Array(this.display.length);
  }

  /** Same as the constructor, but lets the event loop run every few thousand names (background loads). */
  static async build(names: Iterable<string>, weight?: (name: string, i: number) => number): Promise<Suggester> {
    return new Suggester([], undefined, await stepThrough(buildIndex(names, weight)));
  }

  /**
   * Like build, over names read by position and not copied (a catalog's titles, its people), the
   * first of each key shown.
   */
  static async buildOver(names: Names, weight?: (name: string, i: number) => number): Promise<Suggester> {
    return new Suggester([], undefined, await stepThrough(buildIndexOver(names, weight)));
  }

  /**
   * Like buildOver, for names the caller knows to have distinct, non-empty keys (the people table's
   * persons): skips de-duplicating millions of names through a Set of their keys.
   */
  static async buildDistinct(display: Names, weights: Float64Array): Promise<Suggester> {
    return new Suggester([], undefined, await stepThrough(indexKeys(display, weights)));
  }

  get size(): number {
    return this.display.length;
  }

  /** Up to `limit` known names closest to `query`, best first; [] when nothing is reasonably close. */
  suggest(query: string, limit = 5, shortlist = 48): string[] {
    const q = normalizeKey(query).slice(0, 200);
    const n = this.display.length;
    if (q.length === 0 || n === 0) return [];
    const qn = this.queryGrams.of(q);
    const qCodes = this.queryGrams.codes;
    const { hits, touched, postings, offsets } = this;
    let t = 0;
    for (let k = 0; k < qn; k++) {
      const slot = this.slots.get(qCodes[k]);
      if (slot < 0) continue;
      for (let j = offsets[slot], end = offsets[slot + 1], i = -1; j < end; ) {
        // a varint gap: 7 bits a byte, low bits first, the high bit set on all but the last byte
        let gap = 0;
        let shift = 0;
        let b: number;
        do {
          b = postings[j++];
          gap += (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b & 0x80);
        i += gap;
        if (hits[i] === 0) touched[t++] = i;
        hits[i]++;
      }
    }
    // Dice coefficient on trigram sets; a bounded min-heap keeps the best `shortlist` without
    // sorting every name that shares a common trigram ("the") with the query.
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
      const key = normalizeKey(this.display.get(i));
      const sim = 1 - distance(q, key) / Math.max(q.length, key.length);
      ranked.push({ i, score: (sim + heapDice[k]) / 2 });
    }
    ranked.sort((a, b) => b.score - a.score || this.weights[b.i] - this.weights[a.i] || a.i - b.i);
    const out: string[] = [];
    for (const r of ranked) {
      if (r.score < MIN_SCORE || out.length >= limit) break;
      out.push(this.display.get(r.i));
    }
    return out;
  }
}

/**
 * A suggester whose index is built when `complete()` is called (once), suggesting nothing until
 * then: a catalog load can answer calls before its largest "did you mean" indexes (millions of
 * names) are built.
 */
export class LateSuggester implements Suggestions {
  private built: Suggester | null = null;
  private building: Promise<void> | null = null;

  constructor(private readonly build: () => Promise<Suggester>) {}

  get pendingNote(): string {
    return this.built ? '' : ' (no suggestions yet: the service is still indexing names after loading this catalog version; ask again shortly)';
  }

  suggest(query: string, limit?: number): string[] {
    return this.built ? this.built.suggest(query, limit) : [];
  }

  complete(): Promise<void> {
    this.building ??= this.build().then((s) => {
      this.built = s;
    });
    return this.building;
  }
}

const MIN_DICE = 0.2;
const MIN_SCORE = 0.35;
const CHUNK = 2048;

interface SuggesterIndex {
  display: Names;
  weights: Float64Array;
  gramCounts: Uint16Array;
  slots: GramSlots;
  offsets: Int32Array;
  postings: Uint8Array;
}

/** Builds the index in steps (a `yield` every CHUNK names) so a caller may interleave other work. */
function buildIndex(names: Iterable<string>, weight?: (name: string, i: number) => number): Generator<void, SuggesterIndex> {
  return buildIndexOver(namesOf([...names]), weight);
}

/** buildIndex over names read by position: the display keeps positions, not strings. */
function* buildIndexOver(names: Names, weight?: (name: string, i: number) => number): Generator<void, SuggesterIndex> {
  const seen = new Set<string>();
  const kept: number[] = [];
  const w: number[] = [];
  for (let k = 0; k < names.length; k++) {
    const name = names.get(k);
    const key = normalizeKey(name);
    if (key.length > 0 && !seen.has(key)) {
      seen.add(key);
      kept.push(k);
      w.push(weight ? weight(name, k) : 0);
    }
    if ((k + 1) % CHUNK === 0) yield;
  }
  seen.clear();
  return yield* indexKeys(namesAt(names, Int32Array.from(kept)), Float64Array.from(w));
}

async function stepThrough<T>(steps: Generator<void, T>): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    await nextTurn();
    r = steps.next();
  }
  return r.value;
}

/** Packed ASCII trigrams are below this (three 7-bit units). */
const ASCII_GRAMS = 1 << 21;
/** From this many names on, ASCII trigrams get a flat slot table (8 MB) instead of Map entries. */
const FLAT_FROM = 50_000;

/**
 * Trigram code -> slot. At millions of names the Map lookups were most of a catalog load, so the
 * ASCII trigrams of large suggesters (nearly all of them after normalizeKey) index a flat array.
 */
class GramSlots {
  private readonly flat: Int32Array | null;
  private readonly map = new Map<number, number>();
  size = 0;
  constructor(names: number) {
    this.flat = names >= FLAT_FROM ? new Int32Array(ASCII_GRAMS).fill(-1) : null;
  }
  /** the slot of a code, -1 when no name has it */
  get(code: number): number {
    if (this.flat && code < ASCII_GRAMS) return this.flat[code];
    return this.map.get(code) ?? -1;
  }
  /** the slot of a code, a new one when no name had it */
  add(code: number): number {
    const s = this.get(code);
    if (s >= 0) return s;
    if (this.flat && code < ASCII_GRAMS) this.flat[code] = this.size;
    else this.map.set(code, this.size);
    return this.size++;
  }
}

/** Bytes of `gap` as a varint (7 bits a byte). */
function varintBytes(gap: number): number {
  let n = 1;
  while (gap >= 0x80) {
    gap = Math.floor(gap / 0x80);
    n++;
  }
  return n;
}

/** Int32Arrays indexed by slot, grown as slots are added. */
function grownTo(a: Int32Array, size: number, fill: number): Int32Array {
  if (size < a.length) return a;
  const grown = new Int32Array(Math.max(size + 1, a.length * 2)).fill(fill);
  grown.set(a);
  return grown;
}

/** The trigram index over names with distinct, non-empty keys. */
function* indexKeys(display: Names, weights: Float64Array): Generator<void, SuggesterIndex> {
  const n = display.length;
  // Pass 1: each trigram's postings size, as gaps from the previous name holding it. Pass 2
  // computes each name's key and trigrams again rather than keeping them per name (millions of
  // names at 10^6 movies) and writes the gaps.
  const slots = new GramSlots(n);
  let size: Int32Array = new Int32Array(1024);
  let last: Int32Array = new Int32Array(1024).fill(-1);
  const gramCounts = new Uint16Array(n);
  const grams = new Grams();
  for (let i = 0; i < n; i++) {
    const g = grams.of(normalizeKey(display.get(i)));
    gramCounts[i] = Math.min(g, 0xffff);
    for (let j = 0; j < g; j++) {
      const s = slots.add(grams.codes[j]);
      size = grownTo(size, s, 0);
      last = grownTo(last, s, -1);
      size[s] += varintBytes(i - last[s]);
      last[s] = i;
    }
    if ((i + 1) % CHUNK === 0) yield;
  }
  // Pass 2: one byte array of posting lists, CSR style.
  const offsets = new Int32Array(slots.size + 1);
  for (let s = 0; s < slots.size; s++) offsets[s + 1] = offsets[s] + size[s];
  const fill = offsets.slice(0, slots.size);
  last.fill(-1);
  const postings = new Uint8Array(offsets[slots.size]);
  for (let i = 0; i < n; i++) {
    const g = grams.of(normalizeKey(display.get(i)));
    for (let j = 0; j < g; j++) {
      const s = slots.get(grams.codes[j]);
      let gap = i - last[s];
      last[s] = i;
      let at = fill[s];
      while (gap >= 0x80) {
        postings[at++] = (gap & 0x7f) | 0x80;
        gap = Math.floor(gap / 0x80);
      }
      postings[at++] = gap;
      fill[s] = at;
    }
    if ((i + 1) % CHUNK === 0) yield;
  }
  return { display, weights, gramCounts, slots, offsets, postings };
}

/** Distinct trigrams of a key, padded so that word starts and short keys still have some. */
export function trigrams(key: string): Set<string> {
  const s = `  ${key} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
}

/**
 * The same trigrams as numbers: three ASCII units packed in 21 bits (a small integer: most keys are
 * ASCII after normalizeKey), any other three UTF-16 units in one double (exact below 2^48, and at
 * least 2^37 since the first unit is at least a space: the two never meet).
 */
function gramCode(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  return (a | b | c) < 128 ? (a << 14) | (b << 7) | c : a * 4294967296 + b * 65536 + c;
}

/** Distinct trigram codes of a key, into one reused buffer (no array per name). */
class Grams {
  codes = new Float64Array(64);
  /** fills `codes` with the key's distinct trigram codes and returns how many */
  of(key: string): number {
    const s = `  ${key} `;
    const m = s.length - 2;
    if (m > this.codes.length) this.codes = new Float64Array(m * 2);
    const codes = this.codes;
    let n = 0;
    outer: for (let i = 0; i < m; i++) {
      const code = gramCode(s, i);
      for (let j = 0; j < n; j++) if (codes[j] === code) continue outer;
      codes[n++] = code;
    }
    return n;
  }
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

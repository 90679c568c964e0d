import { distance } from 'fastest-levenshtein';
import { normalizeKey } from './text';

/**
 * "Did you mean" over a fixed set of names (titles, people, companies...).
 *
 * Edit distance against every name is too slow for 45k titles per query, so a trigram index
 * picks the few names that share most trigrams with the query (Dice coefficient), and only
 * those are ranked by Levenshtein similarity (fastest-levenshtein). Built once per catalog
 * version; a query costs a pass over the posting lists of its own trigrams.
 */
export class Suggester {
  private readonly display: string[] = [];
  private readonly keys: string[] = [];
  private readonly weights: number[] = [];
  private readonly gramCounts: Uint16Array;
  private readonly postings = new Map<string, Int32Array>();
  private readonly hits: Uint16Array;
  private readonly touched: Int32Array;

  /**
   * @param names display names; names with the same key are merged (the first one is shown)
   * @param weight optional tie-breaker (e.g. popularity): among equally close names, heavier first
   */
  constructor(names: Iterable<string>, weight?: (name: string) => number) {
    const seen = new Set<string>();
    for (const name of names) {
      const key = normalizeKey(name);
      if (key.length === 0 || seen.has(key)) continue;
      seen.add(key);
      this.display.push(name);
      this.keys.push(key);
      this.weights.push(weight ? weight(name) : 0);
    }
    const n = this.keys.length;
    this.gramCounts = new Uint16Array(n);
    this.hits = new Uint16Array(n);
    this.touched = new Int32Array(n);
    const lists = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const grams = trigrams(this.keys[i]);
      this.gramCounts[i] = Math.min(grams.size, 0xffff);
      for (const g of grams) {
        let list = lists.get(g);
        if (!list) lists.set(g, (list = []));
        list.push(i);
      }
    }
    for (const [g, list] of lists) this.postings.set(g, Int32Array.from(list));
  }

  get size(): number {
    return this.keys.length;
  }

  /** Up to `limit` known names closest to `query`, best first; [] when nothing is reasonably close. */
  suggest(query: string, limit = 5, shortlist = 48): string[] {
    const q = normalizeKey(query).slice(0, 200);
    const n = this.keys.length;
    if (q.length === 0 || n === 0) return [];
    const qGrams = trigrams(q);
    const hits = this.hits;
    const touched = this.touched;
    let t = 0;
    for (const g of qGrams) {
      const list = this.postings.get(g);
      if (!list) continue;
      for (let j = 0; j < list.length; j++) {
        const i = list[j];
        if (hits[i] === 0) touched[t++] = i;
        hits[i]++;
      }
    }
    // Dice coefficient on trigram sets; a bounded min-heap keeps the best `shortlist` without
    // sorting every name that shares a common trigram ("the") with the query.
    const qn = qGrams.size;
    const heapIdx = new Int32Array(shortlist);
    const heapDice = new Float64Array(shortlist);
    let size = 0;
    for (let k = 0; k < t; k++) {
      const i = touched[k];
      const dice = (2 * hits[i]) / (qn + this.gramCounts[i]);
      hits[i] = 0;
      if (dice < MIN_DICE) continue;
      if (size < shortlist) {
        heapPush(heapIdx, heapDice, size++, i, dice);
      } else if (dice > heapDice[0]) {
        heapReplaceTop(heapIdx, heapDice, size, i, dice);
      }
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

/** Distinct trigrams of a key, padded so that word starts and short keys still have some. */
export function trigrams(key: string): Set<string> {
  const s = `  ${key} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
}

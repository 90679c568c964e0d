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
  suggest(query: string, limit = 5, shortlist = 64): string[] {
    const q = normalizeKey(query).slice(0, 200);
    if (q.length === 0 || this.keys.length === 0) return [];
    const qGrams = trigrams(q);
    const touched: number[] = [];
    const hits = this.hits;
    for (const g of qGrams) {
      const list = this.postings.get(g);
      if (!list) continue;
      for (let j = 0; j < list.length; j++) {
        const i = list[j];
        if (hits[i] === 0) touched.push(i);
        hits[i]++;
      }
    }
    // Dice coefficient on trigram sets; keep a shortlist of the best for the edit-distance pass.
    const qn = qGrams.size;
    const scored: { i: number; dice: number }[] = [];
    for (const i of touched) {
      const dice = (2 * hits[i]) / (qn + this.gramCounts[i]);
      hits[i] = 0;
      if (dice >= 0.2) scored.push({ i, dice });
    }
    scored.sort((a, b) => b.dice - a.dice);
    const ranked = scored.slice(0, shortlist).map(({ i, dice }) => {
      const key = this.keys[i];
      const sim = 1 - distance(q, key) / Math.max(q.length, key.length);
      return { i, score: (sim + dice) / 2 };
    });
    ranked.sort((a, b) => b.score - a.score || this.weights[b.i] - this.weights[a.i]);
    return ranked
      .filter((r) => r.score >= 0.35)
      .slice(0, limit)
      .map((r) => this.display[r.i]);
  }
}

/** Distinct trigrams of a key, padded so that word starts and short keys still have some. */
export function trigrams(key: string): Set<string> {
  const s = `  ${key} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  return out;
}

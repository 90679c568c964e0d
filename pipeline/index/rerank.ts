// The second stage of "similar": the HNSW neighbours of a doc (by embedding cosine), plus the docs
// that share a rare title word with it, rescored by cosine + agreement of title, keywords and cast.
// The embedding alone finds the mood and genre of a movie but often misses its franchise (sequels
// with new plots: "Ace Ventura: Pet Detective" / "When Nature Calls"); the title signals find those.
//
// The weights were chosen on MovieLens ratings co-occurrence (lift: how much more often than by
// chance the same users rate both movies), over 1,031 movies with 20+ raters, by bench:index
// --tune-rerank: never on collections, which the quality figures judge. The chosen weights lift
// co-occurrence of the top-5 from 1.366 (embedding alone) to 1.389.
import { normalizeKey } from '../normalize.js';

export const RERANK_WEIGHTS = { sameBaseTitle: 0.3, keywords: 0.2, cast: 0.2, titleWords: 0.2 } as const;
export type RerankWeights = { [K in keyof typeof RERANK_WEIGHTS]: number };

/** Candidates per doc from the embedding index. */
export const HNSW_CANDIDATES = 50;
/** A title word shared by at most this many docs brings its docs in as candidates. */
export const RARE_TITLE_WORD_DF = 12;

/** What the rerank reads of a movie or a platform title. */
export interface RerankDoc {
  title: string;
  keywords: readonly string[];
  cast: readonly string[];
}

const STOP = new Set(['the', 'a', 'an', 'and', 'of', 'in', 'on', 'to', 'for', 'with', 'at', 'from', 'by', 'my', 'your', 'his', 'her', 'is', 'it', 'part', 'ii', 'iii', 'iv', 'la', 'le', 'el', 'de', 'les', 'los', 'das', 'der', 'die']);
const ROMAN = /\b(ii|iii|iv|v|vi|vii|viii|ix|x)\b/g;

/** "Toy Story 2" -> "toy story"; "Ace Ventura: When Nature Calls" -> "ace ventura" (subtitle, numbers, part N dropped). */
export function baseTitle(title: string): string {
  return normalizeKey(title)
    .replace(/[:\-–—(].*$/, '')
    .replace(/\b(part|chapter|episode|vol|volume)\b.*$/, '')
    .replace(ROMAN, ' ')
    .replace(/\b\d+\b/g, ' ')
    .replace(/[^a-z0-9 ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Content words of a title ("Dr." reads as "doctor"). */
export function titleWords(title: string): Set<string> {
  return new Set(
    normalizeKey(title)
      .replace(/\bdr\b\.?/g, 'doctor')
      .replace(/[^a-z0-9 ]/g, ' ')
      .split(/\s+/)
      .filter((w) => w.length > 1 && !STOP.has(w) && !/^\d+$/.test(w)),
  );
}

function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n / (a.size + b.size - n);
}

/** The per-doc features, built once for a corpus. */
export class RerankFeatures {
  private readonly base: string[];
  private readonly words: Set<string>[];
  private readonly keywords: Set<string>[];
  private readonly cast: Set<string>[];
  private readonly idf = new Map<string, number>();
  /** rare title word -> docs */
  private readonly postings = new Map<string, number[]>();

  constructor(docs: readonly RerankDoc[]) {
    this.base = docs.map((d) => baseTitle(d.title));
    this.words = docs.map((d) => titleWords(d.title));
    this.keywords = docs.map((d) => new Set(d.keywords));
    this.cast = docs.map((d) => new Set(d.cast.slice(0, 5).map(normalizeKey)));
    const df = new Map<string, number>();
    for (const ws of this.words) for (const w of ws) df.set(w, (df.get(w) ?? 0) + 1);
    for (const [w, n] of df) this.idf.set(w, Math.log(docs.length / n));
    this.words.forEach((ws, i) => {
      for (const w of ws) {
        if ((df.get(w) ?? 0) > RARE_TITLE_WORD_DF) continue;
        const p = this.postings.get(w);
        if (p) p.push(i);
        else this.postings.set(w, [i]);
      }
    });
  }

  /** Docs sharing a rare title word with doc i (never i). */
  titleCandidates(i: number): number[] {
    const out = new Set<number>();
    for (const w of this.words[i]) for (const j of this.postings.get(w) ?? []) if (j !== i) out.add(j);
    return [...out];
  }

  /** IDF-weighted share of title words two docs have in common. */
  titleWordSimilarity(a: number, b: number): number {
    let shared = 0;
    let ta = 0;
    let tb = 0;
    for (const w of this.words[a]) {
      const x = this.idf.get(w) ?? 0;
      ta += x;
      if (this.words[b].has(w)) shared += x;
    }
    for (const w of this.words[b]) tb += this.idf.get(w) ?? 0;
    return shared > 0 ? shared / Math.max(ta, tb) : 0;
  }

  score(a: number, b: number, cosine: number, w: RerankWeights = RERANK_WEIGHTS): number {
    return (
      cosine +
      w.sameBaseTitle * (this.base[a] && this.base[a] === this.base[b] ? 1 : 0) +
      w.keywords * jaccard(this.keywords[a], this.keywords[b]) +
      w.cast * jaccard(this.cast[a], this.cast[b]) +
      w.titleWords * this.titleWordSimilarity(a, b)
    );
  }
}

// The second stage of "similar": the HNSW neighbours of a doc (by embedding cosine), plus the docs
// that share a rare title word with it, rescored by cosine + agreement of title, keywords and cast.
// The embedding alone finds the mood and genre of a movie but often misses its franchise (sequels
// with new plots: "Ace Ventura: Pet Detective" / "When Nature Calls"); the title signals find those.
//
// The weights were chosen on MovieLens ratings co-occurrence (lift: how much more often than by
// chance the same users rate both movies), over 1,031 movies with 20+ raters, by bench:index
// --tune-rerank: never on collections, which the quality figures judge. The chosen weights lift
// co-occurrence of the top-5 from 1.366 (embedding alone) to 1.389.
import type { MovieColumns } from '../catalog-columns/table.js';
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

/**
 * The features as typed arrays (ids instead of strings, CSR lists instead of a Set per doc), on
 * shared memory when asked: the similar lists' helper threads read them in place instead of each
 * parsing the catalog again into a million Sets per feature.
 */
export interface RerankColumns {
  /** per doc: its base title's id, -1 when it has none */
  base: Int32Array;
  /** per doc: its distinct title words' ids (first-seen order) at words[wordStart[i] .. wordStart[i + 1]) */
  wordStart: Int32Array;
  words: Int32Array;
  /** per word id */
  idf: Float64Array;
  /** per word id: the docs holding it when it is rare (RARE_TITLE_WORD_DF), at rareDocs[rareStart[w] .. rareStart[w + 1]) */
  rareStart: Int32Array;
  rareDocs: Int32Array;
  /** per doc: distinct keyword ids, ascending */
  keywordStart: Int32Array;
  keywords: Int32Array;
  /** per doc: distinct ids of its top-billed cast (normalized), ascending */
  castStart: Int32Array;
  cast: Int32Array;
}

/** Ids for strings, in first-seen order. */
class Ids {
  private readonly ids = new Map<string, number>();
  of(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) this.ids.set(s, (id = this.ids.size));
    return id;
  }
  get size(): number {
    return this.ids.size;
  }
}

/** A growable Int32 list. */
class IntList {
  private a = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.a.length) {
      const grown = new Int32Array(this.a.length * 2);
      grown.set(this.a);
      this.a = grown;
    }
    this.a[this.length++] = v;
  }
  /** the values, copied to a (shared) buffer of their exact size */
  done(shared: boolean): Int32Array {
    return copyInto(this.a.subarray(0, this.length), shared);
  }
}

function copyInto<T extends Int32Array | Float64Array>(a: T, shared: boolean): T {
  const Ctor = a.constructor as { new (b: ArrayBufferLike): T };
  const out = new Ctor(shared ? new SharedArrayBuffer(a.byteLength) : new ArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/** Distinct ids of a doc's strings, ascending. */
function distinctIds(items: readonly string[], ids: Ids): number[] {
  return distinctSorted(items.map((s) => ids.of(s)));
}

/** Distinct values, ascending. */
function distinctSorted(values: number[]): number[] {
  const out: number[] = [];
  for (const v of values) if (!out.includes(v)) out.push(v);
  return out.sort((a, b) => a - b);
}

/** |a ∩ b| / |a ∪ b| of two ascending id slices. */
function jaccard(a: Int32Array, aFrom: number, aTo: number, b: Int32Array, bFrom: number, bTo: number): number {
  const na = aTo - aFrom;
  const nb = bTo - bFrom;
  if (na === 0 || nb === 0) return 0;
  let shared = 0;
  for (let i = aFrom, j = bFrom; i < aTo && j < bTo; ) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return shared / (na + nb - shared);
}

/** A corpus as the features read it: per doc its title, and its keywords' and top-5 cast's distinct ids, ascending. */
interface FeatureSource {
  count: number;
  title(i: number): string;
  keywords(i: number): number[];
  cast(i: number): number[];
}

/** The columns of `src`'s docs: ids of base titles and title words here, of keywords and cast by the source (equal iff the names are). */
function columnsOf(src: FeatureSource, shared: boolean): RerankColumns {
  const n = src.count;
  const baseIds = new Ids();
  const wordIds = new Ids();
  const base = new Int32Array(n);
  const wordStart = new Int32Array(n + 1);
  const keywordStart = new Int32Array(n + 1);
  const castStart = new Int32Array(n + 1);
  const words = new IntList();
  const keywords = new IntList();
  const cast = new IntList();
  for (let i = 0; i < n; i++) {
    const title = src.title(i);
    const b = baseTitle(title);
    base[i] = b ? baseIds.of(b) : -1;
    for (const w of titleWords(title)) words.push(wordIds.of(w));
    wordStart[i + 1] = words.length;
    for (const k of src.keywords(i)) keywords.push(k);
    keywordStart[i + 1] = keywords.length;
    for (const c of src.cast(i)) cast.push(c);
    castStart[i + 1] = cast.length;
  }
  const wordArr = words.done(shared);
  const W = wordIds.size;
  const df = new Int32Array(W);
  for (const w of wordArr) df[w]++;
  const idf = new Float64Array(W);
  for (let w = 0; w < W; w++) idf[w] = Math.log(n / df[w]);
  const rareStart = new Int32Array(W + 1);
  for (let w = 0; w < W; w++) rareStart[w + 1] = rareStart[w] + (df[w] <= RARE_TITLE_WORD_DF ? df[w] : 0);
  const fill = rareStart.slice(0, W);
  const rareDocs = new Int32Array(rareStart[W]);
  for (let i = 0; i < n; i++) {
    for (let k = wordStart[i]; k < wordStart[i + 1]; k++) {
      const w = wordArr[k];
      if (df[w] <= RARE_TITLE_WORD_DF) rareDocs[fill[w]++] = i;
    }
  }
  return {
    base: copyInto(base, shared),
    wordStart: copyInto(wordStart, shared),
    words: wordArr,
    idf: copyInto(idf, shared),
    rareStart: copyInto(rareStart, shared),
    rareDocs: copyInto(rareDocs, shared),
    keywordStart: copyInto(keywordStart, shared),
    keywords: keywords.done(shared),
    castStart: copyInto(castStart, shared),
    cast: cast.done(shared),
  };
}

/** The per-doc features, built once for a corpus. */
export class RerankFeatures {
  readonly columns: RerankColumns;
  /** per doc: the last titleCandidates call that met it (instead of a Set per call) */
  private readonly seen: Int32Array;
  private stamp = 0;

  /** From the docs; `shared` puts the columns on SharedArrayBuffers for helper threads. */
  constructor(docs: readonly RerankDoc[] | RerankColumns, shared = false) {
    this.columns = Array.isArray(docs) ? RerankFeatures.columnsOfDocs(docs as readonly RerankDoc[], shared) : (docs as RerankColumns);
    this.seen = new Int32Array(this.columns.base.length);
  }

  private static columnsOfDocs(docs: readonly RerankDoc[], shared: boolean): RerankColumns {
    const keywordIds = new Ids();
    const castIds = new Ids();
    return columnsOf(
      { count: docs.length, title: (i) => docs[i].title, keywords: (i) => distinctIds(docs[i].keywords, keywordIds), cast: (i) => distinctIds(docs[i].cast.slice(0, 5).map(normalizeKey), castIds) },
      shared,
    );
  }

  /**
   * From a catalog's columns: keywords by their dictionary codes (distinct strings, so the same
   * equalities as ids of the strings) and the top-billed cast by ids of their names' keys, one per
   * dictionary entry met, so no string is made per credit. The same scores as from the docs.
   */
  static fromCatalog(c: MovieColumns, shared = false): RerankFeatures {
    const kw = c.lists.keywords;
    const cast = c.lists.cast;
    const castIds = new Ids();
    const keyOfCode = new Int32Array(cast.values.length).fill(-1);
    return new RerankFeatures(
      columnsOf(
        {
          count: c.length,
          title: (i) => c.title(i),
          keywords: (i) => distinctSorted(Array.from(kw.codes.subarray(kw.offsets[i], kw.offsets[i + 1]))),
          cast: (i) => {
            const from = cast.offsets[i];
            const to = Math.min(cast.offsets[i + 1], from + 5);
            const ids: number[] = [];
            for (let k = from; k < to; k++) {
              const code = cast.codes[k];
              if (keyOfCode[code] < 0) keyOfCode[code] = castIds.of(normalizeKey(cast.values.get(code)));
              ids.push(keyOfCode[code]);
            }
            return distinctSorted(ids);
          },
        },
        shared,
      ),
      shared,
    );
  }

  /** Docs sharing a rare title word with doc i (never i), in the order first met. */
  titleCandidates(i: number): number[] {
    const c = this.columns;
    const stamp = ++this.stamp;
    const out: number[] = [];
    for (let k = c.wordStart[i]; k < c.wordStart[i + 1]; k++) {
      const w = c.words[k];
      for (let r = c.rareStart[w]; r < c.rareStart[w + 1]; r++) {
        const j = c.rareDocs[r];
        if (j === i || this.seen[j] === stamp) continue;
        this.seen[j] = stamp;
        out.push(j);
      }
    }
    return out;
  }

  /** IDF-weighted share of title words two docs have in common. */
  titleWordSimilarity(a: number, b: number): number {
    const c = this.columns;
    let shared = 0;
    let ta = 0;
    let tb = 0;
    const bFrom = c.wordStart[b];
    const bTo = c.wordStart[b + 1];
    for (let k = c.wordStart[a]; k < c.wordStart[a + 1]; k++) {
      const w = c.words[k];
      const x = c.idf[w];
      ta += x;
      for (let m = bFrom; m < bTo; m++) {
        if (c.words[m] === w) {
          shared += x;
          break;
        }
      }
    }
    for (let m = bFrom; m < bTo; m++) tb += c.idf[c.words[m]];
    return shared > 0 ? shared / Math.max(ta, tb) : 0;
  }

  score(a: number, b: number, cosine: number, w: RerankWeights = RERANK_WEIGHTS): number {
    const c = this.columns;
    return (
      cosine +
      w.sameBaseTitle * (c.base[a] >= 0 && c.base[a] === c.base[b] ? 1 : 0) +
      w.keywords * jaccard(c.keywords, c.keywordStart[a], c.keywordStart[a + 1], c.keywords, c.keywordStart[b], c.keywordStart[b + 1]) +
      w.cast * jaccard(c.cast, c.castStart[a], c.castStart[a + 1], c.cast, c.castStart[b], c.castStart[b + 1]) +
      w.titleWords * this.titleWordSimilarity(a, b)
    );
  }
}

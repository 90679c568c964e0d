// The plain baselines the recommendations are compared with: TF-IDF (raw tf, smooth idf, L2 norm)
// over some tokens of each movie, exact cosine through an inverted index.
import { words } from '../embedders/catalog/tokenize.js';
import { normalizeKey } from '../normalize.js';
import type { Movie } from '../types.js';

/** Top-k neighbours (indexes, never self) of each token list by TF-IDF cosine. */
export function tfidfNeighbours(tokens: string[][], k: number): number[][] {
  const n = tokens.length;
  const docs = tokens.map((ts) => {
    const tf = new Map<string, number>();
    for (const t of ts) tf.set(t, (tf.get(t) ?? 0) + 1);
    return tf;
  });
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const postings = new Map<string, { doc: number; w: number }[]>();
  const vecs = docs.map((d, i) => {
    const v: [string, number][] = [];
    let norm = 0;
    for (const [t, tf] of d) {
      const w = tf * (Math.log((1 + n) / (1 + df.get(t)!)) + 1);
      v.push([t, w]);
      norm += w * w;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (const e of v) {
      e[1] *= inv;
      let p = postings.get(e[0]);
      if (!p) postings.set(e[0], (p = []));
      p.push({ doc: i, w: e[1] });
    }
    return v;
  });
  const scores = new Float64Array(n);
  return vecs.map((v, i) => {
    const touched: number[] = [];
    for (const [t, w] of v) {
      for (const p of postings.get(t)!) {
        if (p.doc === i) continue;
        if (scores[p.doc] === 0) touched.push(p.doc);
        scores[p.doc] += w * p.w;
      }
    }
    touched.sort((a, b) => scores[b] - scores[a] || a - b);
    const top = touched.slice(0, k);
    for (const j of touched) scores[j] = 0;
    return top;
  });
}

/** The baseline of record: TF-IDF over the overview alone (the same word tokenizer as the embedder). */
export function tfidfOverviewNeighbours(overviews: string[], k: number): number[][] {
  return tfidfNeighbours(overviews.map((o) => words(o)), k);
}

/**
 * The best simple sparse variant measured before the reranked lists: TF-IDF over title, overview,
 * keywords and genres, plus title character trigrams. Strong on franchises (titles), weak on genre.
 */
export function sparseVariantNeighbours(movies: readonly Movie[], k: number): number[][] {
  return tfidfNeighbours(
    movies.map((m) => {
      const t = ` ${normalizeKey(m.title).replace(/[^a-z0-9 ]/g, '')} `;
      const grams: string[] = [];
      for (let i = 0; i + 3 <= t.length; i++) grams.push(`t:${t.slice(i, i + 3)}`);
      return [...words(m.title), ...words(m.overview), ...m.keywords.map((x) => `k:${normalizeKey(x)}`), ...m.genres.map((g) => `g:${g}`), ...grams];
    }),
    k,
  );
}

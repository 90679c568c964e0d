// The plain baseline the recommendations are compared with: TF-IDF over the overview alone
// (raw tf, smooth idf, L2 norm, the same word tokenizer), exact cosine through an inverted index.
import { words } from '../embedders/catalog/tokenize';

export function tfidfOverviewNeighbours(overviews: string[], k: number): number[][] {
  const n = overviews.length;
  const docs = overviews.map((o) => {
    const tf = new Map<string, number>();
    for (const w of words(o)) tf.set(w, (tf.get(w) ?? 0) + 1);
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

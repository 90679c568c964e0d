import { describe, expect, it } from 'vitest';
import { baseTitle, RERANK_WEIGHTS, RARE_TITLE_WORD_DF, RerankFeatures, titleWords, type RerankDoc } from '../../pipeline/index/rerank.js';
import { normalizeKey } from '../../pipeline/normalize.js';
import { CatalogColumnsBuilder } from '../../pipeline/catalog-columns/builder.js';
import { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import { bareMovie } from '../helpers/movie.js';

// The typed features against the definitions written out with Sets and strings, on seeded random docs
// drawn from small vocabularies (so words, keywords and cast are shared and some title words are rare).
const WORDS = ['star', 'wars', 'return', 'night', 'day', 'Amélie', 'river', 'ghost', 'Dr.', 'II', 'the', 'of', 'city', 'zebra', 'quartz'];
const KEYWORDS = ['space', 'love', 'war', 'heist', 'robot', 'sea'];
const CAST = ['Ann Lee', 'ANN LEE', 'Bo Kim', 'Cy Ray', 'Di Fox', 'Ed Wu', 'Flo Ng', 'Gus Oh'];

function docs(n: number): RerankDoc[] {
  let seed = 7;
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const pick = <T>(a: T[], k: number) => Array.from({ length: k }, () => a[Math.floor(rnd() * a.length)]);
  return Array.from({ length: n }, (_, i) => ({
    title: pick(WORDS, 1 + Math.floor(rnd() * 4)).join(' ') + (i % 10 === 0 ? ` rare${String.fromCharCode(97 + (i % 60) / 10)}` : '') + (i % 5 === 0 ? ': Part 2' : ''),
    keywords: pick(KEYWORDS, Math.floor(rnd() * 4)),
    cast: pick(CAST, Math.floor(rnd() * 8)),
  }));
}

const setJaccard = (a: Set<string>, b: Set<string>) => {
  if (a.size === 0 || b.size === 0) return 0;
  const shared = [...a].filter((x) => b.has(x)).length;
  return shared / (a.size + b.size - shared);
};

describe('RerankFeatures', () => {
  const D = docs(400);
  const words = D.map((d) => titleWords(d.title));
  const df = new Map<string, number>();
  for (const ws of words) for (const w of ws) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = (w: string) => Math.log(D.length / df.get(w)!);
  const expectedScore = (a: number, b: number, cos: number) => {
    const base = baseTitle(D[a].title) !== '' && baseTitle(D[a].title) === baseTitle(D[b].title) ? 1 : 0;
    let shared = 0;
    let ta = 0;
    let tb = 0;
    for (const w of words[a]) {
      ta += idf(w);
      if (words[b].has(w)) shared += idf(w);
    }
    for (const w of words[b]) tb += idf(w);
    const tw = shared > 0 ? shared / Math.max(ta, tb) : 0;
    const cast = (d: RerankDoc) => new Set(d.cast.slice(0, 5).map(normalizeKey));
    return (
      cos +
      RERANK_WEIGHTS.sameBaseTitle * base +
      RERANK_WEIGHTS.keywords * setJaccard(new Set(D[a].keywords), new Set(D[b].keywords)) +
      RERANK_WEIGHTS.cast * setJaccard(cast(D[a]), cast(D[b])) +
      RERANK_WEIGHTS.titleWords * tw
    );
  };

  for (const shared of [false, true]) {
    it(`scores every pair as the definitions do (${shared ? 'shared' : 'plain'} memory)`, () => {
      const f = new RerankFeatures(D, shared);
      expect(f.columns.keywords.buffer instanceof SharedArrayBuffer).toBe(shared);
      for (let a = 0; a < D.length; a += 7) for (let b = 0; b < D.length; b += 3) expect(f.score(a, b, 0.5)).toBe(expectedScore(a, b, 0.5));
    });
  }

  it('offers the docs sharing a rare title word, in the order first met, never the doc itself', () => {
    const f = new RerankFeatures(D);
    for (let i = 0; i < D.length; i++) {
      const want: number[] = [];
      for (const w of words[i]) {
        if (df.get(w)! > RARE_TITLE_WORD_DF) continue;
        D.forEach((_, j) => {
          if (j !== i && words[j].has(w) && !want.includes(j)) want.push(j);
        });
      }
      expect(f.titleCandidates(i)).toEqual(want);
    }
    expect(D.some((_, i) => f.titleCandidates(i).length > 0)).toBe(true);
  });

  it('built from a catalog\'s columns (dictionary codes), scores and offers as from the docs: the same features', () => {
    const b = new CatalogColumnsBuilder();
    D.forEach((d, i) => b.add(bareMovie(i + 1, { title: d.title, keywords: [...d.keywords], cast: [...d.cast] })));
    const c = new MovieColumns(b.finish());
    const f = RerankFeatures.fromCatalog(c, true);
    expect(f.columns.cast.buffer instanceof SharedArrayBuffer).toBe(true);
    for (let a = 0; a < D.length; a += 7) for (let b2 = 0; b2 < D.length; b2 += 3) expect(f.score(a, b2, 0.5)).toBe(expectedScore(a, b2, 0.5));
    const g = new RerankFeatures(D);
    for (let i = 0; i < D.length; i++) expect(f.titleCandidates(i)).toEqual(g.titleCandidates(i));
    for (const [name, a] of Object.entries(g.columns)) expect(Array.from(f.columns[name as keyof typeof f.columns]), name).toEqual(Array.from(a));
  });

  it('works the same from its columns (a helper thread)', () => {
    const f = new RerankFeatures(D, true);
    const g = new RerankFeatures(f.columns);
    for (let a = 0; a < 50; a++) {
      expect(g.titleCandidates(a)).toEqual(f.titleCandidates(a));
      expect(g.score(a, a + 1, 0.1)).toBe(f.score(a, a + 1, 0.1));
    }
  });
});

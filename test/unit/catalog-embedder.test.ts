import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { CatalogEmbedder, fitSample } from '../../pipeline/embedders/catalog/model.js';
import { movieDoc } from '../../pipeline/embedders/movie-doc.js';
import { exactTopK, rowOf } from '../../pipeline/index/exact.js';
import type { Movie } from '../../pipeline/types.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'embed', 'catalog.jsonl');

let movies: Movie[];
let emb: CatalogEmbedder;
let M: Float32Array;

beforeAll(async () => {
  movies = await readAllJsonl<Movie>(FIXTURE);
  emb = CatalogEmbedder.fit(movies.map(movieDoc));
  M = emb.embedDocsSync(movies.map(movieDoc));
});

function neighbours(i: number, k: number): number[] {
  return exactTopK(M, emb.dims, rowOf(M, emb.dims, i), k, (r) => r === i).map((n) => n.row);
}

describe('catalog embedder on the fixture catalog', () => {
  test('every vector has unit length and the space has at most as many dims as movies', () => {
    expect(emb.dims).toBeGreaterThan(1);
    expect(emb.dims).toBeLessThanOrEqual(movies.length);
    for (let i = 0; i < movies.length; i++) {
      const v = rowOf(M, emb.dims, i);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
  });

  test('the films of a franchise find each other before any unrelated film', () => {
    const franchise = movies.map((m, i) => ({ m, i })).filter(({ m }) => m.collection);
    expect(franchise.length).toBe(9);
    for (const { m, i } of franchise) {
      const mates = movies.flatMap((x, j) => (j !== i && x.collection?.id === m.collection!.id ? [j] : []));
      const top = neighbours(i, mates.length);
      expect(new Set(top), `${m.title}: ${top.map((j) => movies[j].title).join(', ')}`).toEqual(new Set(mates));
    }
  });

  test('the collection is not an input: changing it changes neither the text nor the vector', () => {
    const a = movies[0];
    const b: Movie = { ...a, collection: { id: 1, name: 'Some Other Saga' } };
    expect(emb.keyText(movieDoc(b))).toBe(emb.keyText(movieDoc(a)));
    expect(Array.from(emb.embedDocsSync([movieDoc(b)]))).toEqual(Array.from(rowOf(M, emb.dims, 0)));
  });

  test('fitting is deterministic: same catalog, same fingerprint and the same bits', () => {
    const again = CatalogEmbedder.fit(movies.map(movieDoc));
    expect(again.fingerprint).toBe(emb.fingerprint);
    expect(Buffer.from(again.embedDocsSync(movies.map(movieDoc)).buffer).equals(Buffer.from(M.buffer))).toBe(true);
    // and a different catalog gives a different fingerprint
    const fewer = CatalogEmbedder.fit(movies.slice(1).map(movieDoc));
    expect(fewer.fingerprint).not.toBe(emb.fingerprint);
  });

  test('free-text queries land near the films they describe', async () => {
    const top = async (q: string) => {
      const v = await emb.embedQuery(q);
      return exactTopK(M, emb.dims, v, 1)[0];
    };
    const cases: [string, string][] = [
      ['a time machine in a DeLorean', 'Back to the Future'],
      ['Woody and Buzz Lightyear', 'Toy Story'],
      ['the Corleone mafia family', 'The Godfather'],
      ['a cowboy doll and his toy friends', 'Toy Story'],
    ];
    for (const [q, prefix] of cases) {
      const best = await top(q);
      expect(movies[best.row].title, q).toMatch(new RegExp(`^${prefix}`));
      expect(best.score).toBeGreaterThan(0.2);
    }
    expect(emb.knownQueryTerms('a time machine in a DeLorean')).toBeGreaterThan(1);
    expect(emb.knownQueryTerms('zzzz qqqq')).toBe(0);
  });

  test('names and keywords in a query match as phrases ("tom hanks", "time travel")', async () => {
    const v = await emb.embedQuery('Tom Hanks');
    const hanks = movies.flatMap((m, i) => (m.cast.slice(0, 5).includes('Tom Hanks') ? [i] : []));
    const top = exactTopK(M, emb.dims, v, hanks.length).map((n) => n.row);
    // most of the top results are his films (the sentence has nothing else to go on)
    expect(top.filter((r) => hanks.includes(r)).length).toBeGreaterThanOrEqual(hanks.length - 1);
  });
});

describe('catalog embedder parameters on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mq-catalog-emb-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('save then load embeds queries and movies identically', async () => {
    await emb.save(dir);
    const loaded = await CatalogEmbedder.load(dir);
    expect(loaded.fingerprint).toBe(emb.fingerprint);
    expect(loaded.dims).toBe(emb.dims);
    expect(Array.from(await loaded.embedQuery('space ranger toys'))).toEqual(Array.from(await emb.embedQuery('space ranger toys')));
    expect(Array.from(loaded.embedDocsSync(movies.map(movieDoc)))).toEqual(Array.from(M));
  });

  test('tampered parameters are refused', async () => {
    await emb.save(dir);
    const { readFile, writeFile } = await import('node:fs/promises');
    const f = path.join(dir, 'catalog-embedder.bin');
    const buf = await readFile(f);
    buf[buf.length - 1] ^= 0xff;
    await writeFile(f, buf);
    await expect(CatalogEmbedder.load(dir)).rejects.toThrow(/fingerprint/);
  });
});

describe('catalog embedder fitted on a sample (large catalogs)', () => {
  test('reads at most maxFitDocs movies, deterministically, and still embeds every movie', () => {
    const docs = movies.map(movieDoc);
    const max = Math.floor(docs.length / 2);
    const a = CatalogEmbedder.fit(docs, { maxFitDocs: max, dims: 8 });
    const b = CatalogEmbedder.fit(docs, { maxFitDocs: max, dims: 8 });
    const full = CatalogEmbedder.fit(docs, { dims: 8 });
    expect(a.docsFitted).toBe(max);
    expect(full.docsFitted).toBe(docs.length);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(full.fingerprint);
    // the sample is an even stride through the catalog: the vocabulary only holds terms it saw
    const sample = fitSample(docs, max);
    expect(sample).toHaveLength(max);
    expect(sample[0]).toBe(docs[0]);
    const m = a.embedDocsSync(docs);
    expect(m.length).toBe(docs.length * a.dims);
    for (let i = 0; i < docs.length; i++) expect(Math.hypot(...rowOf(m, a.dims, i))).toBeCloseTo(1, 5);
  });
});

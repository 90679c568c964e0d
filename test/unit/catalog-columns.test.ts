// The columnar catalog (pipeline/catalog-columns): every Movie field survives the round trip through
// Arrow IPC bytes, on the handmade fixture catalog and on edge cases built here.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { CatalogColumnsBuilder } from '../../pipeline/catalog-columns/builder.js';
import { readCatalogColumns, writeCatalogColumns } from '../../pipeline/catalog-columns/files.js';
import { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import { COLUMNS } from '../../pipeline/catalog-columns/schema.js';
import type { Movie } from '../../pipeline/types.js';
import { bareMovie } from '../helpers/movie.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/catalog/20240101T000000000Z-fixture1/catalog.jsonl');

async function fixtureMovies(): Promise<Movie[]> {
  const text = await readFile(FIXTURE, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Movie)
    .sort((a, b) => a.id - b.id);
}

function columnsOf(movies: Movie[]): MovieColumns {
  const b = new CatalogColumnsBuilder();
  for (const m of movies) b.add(m);
  return new MovieColumns(b.finish());
}

const bare = bareMovie;

describe('catalog columns', () => {
  test('the fixture catalog round-trips: movie(row) equals each record, rowOf finds each id', async () => {
    const movies = await fixtureMovies();
    const c = columnsOf(movies);
    expect(c.length).toBe(movies.length);
    movies.forEach((m, row) => {
      expect(c.movie(row)).toEqual(m);
      expect(c.rowOf(m.id)).toBe(row);
    });
    expect(c.rowOf(1)).toBe(-1);
    expect(c.rowOf(Math.max(...movies.map((m) => m.id)) + 1)).toBe(-1);
  });

  test('nulls, empty lists, non-ASCII text and big numbers are kept as they were', () => {
    const movies = [
      bare(1),
      bare(2, {
        title: 'Amélie — 東京物語 🎬',
        runtime: 0,
        budget: 3e10,
        revenue: 2 ** 40,
        collection: { id: 7, name: 'Saga ñ' },
        cast: ['Zoë', 'Zoë', ''],
        productionCountries: [{ code: 'FR', name: 'France' }],
        spokenLanguages: [{ code: 'ja', name: '日本語' }],
        hasCredits: true,
      }),
      bare(2_000_000_000, { runtime: 95.5, collection: { id: 0, name: '' } }),
    ];
    const c = columnsOf(movies);
    movies.forEach((m, row) => expect(c.movie(row)).toEqual(m));
    expect(c.runtime(0)).toBeNull();
    expect(c.runtime(1)).toBe(0);
    expect(c.collectionId(0)).toBe(-1);
    expect(c.collectionId(2)).toBe(0);
  });

  test('an empty catalog is a valid file with every column and no rows', () => {
    const c = columnsOf([]);
    expect(c.length).toBe(0);
    expect(c.rowOf(1)).toBe(-1);
    const t = tableFromIPC(new CatalogColumnsBuilder().finish());
    expect(t.schema.fields.map((f) => f.name)).toEqual([...COLUMNS]);
  });

  test('names are stored once per distinct value (dictionary-encoded)', async () => {
    const movies = await fixtureMovies();
    const c = columnsOf(movies);
    const slots = movies.reduce((n, m) => n + m.cast.length, 0);
    const distinct = new Set(movies.flatMap((m) => m.cast)).size;
    expect(c.lists.cast.codes.length).toBe(slots);
    expect(c.lists.cast.values.length).toBe(distinct);
  });

  test('read from a file, the columns are copies and overviews and taglines are read from the file on demand', async () => {
    const movies = await fixtureMovies();
    const b = new CatalogColumnsBuilder();
    for (const m of movies) b.add(m);
    const dir = await mkdtemp(path.join(tmpdir(), 'cols-'));
    try {
      const file = path.join(dir, 'catalog.arrow');
      await writeCatalogColumns(file, b);
      const c = await readCatalogColumns(file);
      // no column is a view into the file-sized read buffer any more
      expect(c.id.buffer.byteLength).toBe(c.id.byteLength);
      expect(c.lists.cast.codes.buffer.byteLength).toBe(c.lists.cast.codes.byteLength);
      movies.forEach((m, row) => expect(c.movie(row)).toEqual(m));
      c.close();
      expect(() => c.movie(0)).toThrow(/read after close/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('columns built in two runs on two builders and appended are the bytes of one builder over all (transform joins on two threads)', async () => {
    const movies = await fixtureMovies();
    const one = new CatalogColumnsBuilder();
    for (const m of movies) one.add(m);
    for (const cut of [0, 1, Math.floor(movies.length / 2), movies.length]) {
      const first = new CatalogColumnsBuilder();
      const later = new CatalogColumnsBuilder();
      movies.forEach((m, i) => (i < cut ? first : later).add(m));
      // through a structured clone, as it crosses from the helper thread
      first.append(structuredClone(later.snapshot()));
      expect(first.count).toBe(movies.length);
      expect(Buffer.compare(first.finish(), one.finish()), `cut at ${cut}`).toBe(0);
    }
    const early = new CatalogColumnsBuilder();
    early.add(movies[movies.length - 1]);
    const rest = new CatalogColumnsBuilder();
    rest.add(movies[0]);
    expect(() => early.append(rest.snapshot())).toThrow(/ids must ascend/);
  });

  test('the rerank inputs\' digest follows titles, keywords and cast, not the other columns', async () => {
    const movies = await fixtureMovies();
    const digest = (ms: Movie[]) => {
      const h = createHash('sha256');
      columnsOf(ms).hashRerankInputs(h);
      return h.digest('hex');
    };
    const base = digest(movies);
    expect(digest(movies.map((m) => ({ ...m })))).toBe(base);
    const change = (f: (m: Movie) => Movie) => digest(movies.map((m, i) => (i === 2 ? f({ ...m }) : m)));
    expect(change((m) => ({ ...m, overview: `${m.overview} more`, voteCount: m.voteCount + 1 }))).toBe(base);
    expect(change((m) => ({ ...m, title: `${m.title} 2` }))).not.toBe(base);
    expect(change((m) => ({ ...m, keywords: [...m.keywords, 'a new keyword'] }))).not.toBe(base);
    expect(change((m) => ({ ...m, cast: ['Someone Else', ...m.cast] }))).not.toBe(base);
  });

  test('ids out of order are refused when built (rows are found by binary search)', () => {
    const b = new CatalogColumnsBuilder();
    b.add(bare(5));
    expect(() => b.add(bare(3))).toThrow(/ids must ascend \(3 after 5\)/);
  });
});

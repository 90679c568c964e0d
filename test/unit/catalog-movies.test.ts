// catalogMovies: the stages that read every movie take them from catalog.arrow when the version has
// one, and from catalog.jsonl otherwise.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CatalogColumnsBuilder } from '../../pipeline/catalog-columns/builder.js';
import { writeCatalogColumns } from '../../pipeline/catalog-columns/files.js';
import { catalogMovies } from '../../pipeline/catalog-columns/movies.js';
import type { Movie } from '../../pipeline/types.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/catalog/20240101T000000000Z-fixture1/catalog.jsonl');
let dir: string;
let movies: Movie[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mq-catalog-movies-'));
  movies = (await readFile(FIXTURE, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Movie)
    .sort((a, b) => a.id - b.id);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function all(file: string): Promise<Movie[]> {
  const out: Movie[] = [];
  for await (const m of catalogMovies(file)) out.push(m);
  return out;
}

test('a version with catalog.arrow: its rows, in order, equal to the JSON lines', async () => {
  const v = path.join(dir, 'v1');
  await mkdir(v);
  await writeFile(path.join(v, 'catalog.jsonl'), movies.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const b = new CatalogColumnsBuilder();
  for (const m of movies) b.add(m);
  await writeCatalogColumns(path.join(v, 'catalog.arrow'), b);
  expect(await all(path.join(v, 'catalog.jsonl'))).toEqual(movies);
});

test('catalog.arrow is what is read when both are there (one movie fewer in it than in the JSON lines)', async () => {
  const v = path.join(dir, 'v2');
  await mkdir(v);
  await writeFile(path.join(v, 'catalog.jsonl'), movies.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const b = new CatalogColumnsBuilder();
  for (const m of movies.slice(1)) b.add(m);
  await writeCatalogColumns(path.join(v, 'catalog.arrow'), b);
  const got = await all(path.join(v, 'catalog.jsonl'));
  expect(got.map((m) => m.id)).toEqual(movies.slice(1).map((m) => m.id));
});

test('without catalog.arrow, or for another JSON-lines file, the JSON lines are read', async () => {
  const v = path.join(dir, 'v3');
  await mkdir(v);
  await copyFile(FIXTURE, path.join(v, 'catalog.jsonl'));
  const fromJsonl = await all(path.join(v, 'catalog.jsonl'));
  expect(fromJsonl.map((m) => m.id).sort((a, b) => a - b)).toEqual(movies.map((m) => m.id));
  await copyFile(FIXTURE, path.join(dir, 'v2', 'other.jsonl'));
  expect((await all(path.join(dir, 'v2', 'other.jsonl'))).length).toBe(movies.length);
});

// The catalog embedder's fit cache is keyed on the fit's sample (fitSample): a change to a movie the
// fit does not read reuses the fit; a change to one it reads refits.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { embedMovies } from '../../pipeline/embed/embed-movies.js';
import type { Movie } from '../../pipeline/types.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'embed', 'catalog.jsonl');
let root: string;
let movies: Movie[];

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mq-fit-key-'));
  movies = (await readFile(FIXTURE, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Movie).slice(0, 20);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let run = 0;
async function embed(catalog: Movie[]): Promise<boolean | undefined> {
  const dir = path.join(root, `v${++run}`);
  await mkdir(dir);
  const catalogFile = path.join(dir, 'catalog.jsonl');
  await writeFile(catalogFile, catalog.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const r = await embedMovies(
    { dir, catalogFile, artifactsDir: root, choice: 'catalog', modelDir: root, modelId: 'none', allowRemoteModels: false, catalogOptions: { maxFitDocs: Math.floor(catalog.length / 2) } },
    { progress: () => {}, log: () => {} },
  );
  return r.fitReused;
}

test('a change outside the fit sample reuses the fit; inside it, refits', async () => {
  // maxFitDocs n/2 over n movies: the sample is the even rows (fitSample's stride of 2)
  expect(movies.length % 2).toBe(0);
  expect(await embed(movies)).toBe(false);
  expect(await embed(movies)).toBe(true);
  const outside = movies.map((m, i) => (i === 1 ? { ...m, overview: `${m.overview} changed` } : m));
  expect(await embed(outside)).toBe(true);
  const inside = movies.map((m, i) => (i === 2 ? { ...m, overview: `${m.overview} changed` } : m));
  expect(await embed(inside)).toBe(false);
});

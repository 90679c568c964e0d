// MARQUEE_CATALOG_JSONL=false: the pipeline writes no catalog.jsonl, and every stage after transform
// reads catalog.arrow, so the version's outputs are the bytes a run with the export gives. A later
// warm rebuild with the export on writes it from the linked columns.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { loadVersion } from '../../pipeline/artifacts/reader.js';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { runInline } from '../../pipeline/inline.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';

const RAW = path.join(PROJECT_ROOT, 'test', 'fixtures', 'tmdb');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function run(catalogJsonl: boolean, artifactsDir?: string) {
  const dir = artifactsDir ?? (await mkdtemp(path.join(os.tmpdir(), 'mq-jsonl-')));
  if (!artifactsDir) dirs.push(dir);
  const config = { ...loadConfig({ dataDir: RAW, artifactsDir: dir, embedder: 'catalog', keepVersions: 3, logLevel: 'silent' }), catalogJsonl };
  return runInline(config, { log: createLogger('test', 'silent') });
}

it('without the export: no catalog.jsonl, the same embeddings, lists, index and summary as with it', async () => {
  const on = await run(true);
  const off = await run(false);
  expect(existsSync(path.join(on.dir, 'catalog.jsonl'))).toBe(true);
  expect(existsSync(path.join(off.dir, 'catalog.jsonl'))).toBe(false);
  expect(off.manifest.files.catalog).toBeUndefined();
  expect(off.manifest.files.catalogColumns).toBe('catalog.arrow');
  const movies = await readAllJsonl<Movie>(path.join(on.dir, 'catalog.jsonl'));
  expect(off.manifest.counts.movies_published).toBe(movies.length);
  expect(off.manifest.counts.embeddings).toBe(movies.length);
  for (const f of ['catalog.arrow', 'embeddings.f32', 'similar.bin']) {
    expect((await readFile(path.join(off.dir, f))).equals(await readFile(path.join(on.dir, f))), f).toBe(true);
  }
  const summary = async (dir: string) => {
    const s = JSON.parse(await readFile(path.join(dir, 'eda', 'summary.json'), 'utf8')) as { catalog: unknown };
    return s.catalog;
  };
  expect(await summary(off.dir)).toEqual(await summary(on.dir));
  // the service's reader loads it from the columns
  const loaded = await loadVersion(path.dirname(off.dir), off.version);
  expect(loaded.movies.length).toBe(movies.length);
  expect(loaded.movies.movie(0)).toEqual(movies[0]);
});

it('a warm rebuild with the export on, after a version without it, writes catalog.jsonl from the columns', async () => {
  const off = await run(false);
  const artifactsDir = path.dirname(off.dir);
  const on = await run(true, artifactsDir);
  expect(on.manifest.info.extract).toMatchObject({ reusedFrom: off.version });
  expect(on.manifest.files.catalog).toBe('catalog.jsonl');
  const fresh = await run(true);
  const expected = await readAllJsonl<Movie>(path.join(fresh.dir, 'catalog.jsonl'));
  expect(await readAllJsonl<Movie>(path.join(on.dir, 'catalog.jsonl'))).toEqual(expected);
});

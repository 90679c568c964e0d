// Two full pipeline runs (runInline: every real stage) over the same raw input: the second one
// reuses every cached vector and the fitted catalog embedder, and says so in its manifest.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { readEmbeddings } from '../../pipeline/embed/matrix.js';
import { runInline } from '../../pipeline/inline.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';

const RAW = path.join(PROJECT_ROOT, 'test', 'fixtures', 'tmdb');
let artifactsDir: string;

beforeAll(async () => {
  artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-rebuild-'));
});
afterAll(async () => {
  await rm(artifactsDir, { recursive: true, force: true });
});

it('a second run over unchanged input embeds nothing and reuses every vector', async () => {
  const config = loadConfig({ dataDir: RAW, artifactsDir, embedder: 'catalog', keepVersions: 1, logLevel: 'silent' });
  const log = createLogger('test', 'silent');
  const first = await runInline(config, { log });
  const movies = await readAllJsonl<Movie>(path.join(first.dir, 'catalog.jsonl'));
  expect(movies.length).toBeGreaterThan(3);
  expect(first.manifest.counts.embedded).toBe(movies.length);
  expect(first.manifest.counts.embeddingsReused).toBe(0);
  expect(first.manifest.info.embed?.fitReused).toBe(false);
  expect(first.manifest.info.embed?.ranIn).toBe('worker thread');
  expect(first.manifest.files.index).toBe('index.hnsw');
  expect(first.manifest.info.index).toMatchObject({ space: 'cosine', count: movies.length });

  const firstCatalog = await readFile(path.join(first.dir, 'catalog.jsonl'));
  const firstColumns = await readFile(path.join(first.dir, 'catalog.arrow'));
  const firstSummary = JSON.parse(await readFile(path.join(first.dir, 'eda', 'summary.json'), 'utf8')) as Record<string, unknown>;
  expect(first.manifest.info.extract).toMatchObject({ reusedFrom: null });
  expect(first.manifest.info.eda).toMatchObject({ reusedFrom: null });
  const second = await runInline(config, { log });
  expect(second.version).not.toBe(first.version);
  // same input bytes, same ETL code: the cleaned catalog is linked, not rebuilt
  expect(second.manifest.info.extract).toMatchObject({ reusedFrom: first.version, inputKey: (first.manifest.info.extract as { inputKey: string }).inputKey });
  expect(second.manifest.info.transform).toMatchObject({ reusedFrom: first.version });
  expect((await readFile(path.join(second.dir, 'catalog.jsonl'))).equals(firstCatalog)).toBe(true);
  expect((await readFile(path.join(second.dir, 'catalog.arrow'))).equals(firstColumns)).toBe(true);
  // same catalog, same EDA code: the summary is taken over (all but its time), the report rendered again
  expect(second.manifest.info.eda).toMatchObject({ reusedFrom: first.version, codeKey: (first.manifest.info.eda as { codeKey: string }).codeKey });
  const secondSummary = JSON.parse(await readFile(path.join(second.dir, 'eda', 'summary.json'), 'utf8')) as Record<string, unknown>;
  expect({ ...secondSummary, generatedAt: 0 }).toEqual({ ...firstSummary, generatedAt: 0 });
  expect(existsSync(path.join(second.dir, 'eda', 'report.html'))).toBe(true);
  expect(second.manifest.counts.movies_published).toBe(first.manifest.counts.movies_published);
  expect(second.manifest.quarantine).toEqual(first.manifest.quarantine);
  expect(second.manifest.counts.embedded).toBe(0);
  expect(second.manifest.counts.embeddingsReused).toBe(movies.length);
  expect(second.manifest.info.embed).toMatchObject({ embedder: 'catalog', fitReused: true, embedded: 0, reused: movies.length });
  expect(second.manifest.info.embed?.fingerprint).toBe(first.manifest.info.embed?.fingerprint);
  // same vectors, same parameters: the graph is copied, not rebuilt, and is byte-identical
  expect(first.manifest.info.index?.reused).toBe(false);
  expect(second.manifest.info.index?.reused).toBe(true);
  // keepVersions 1 pruned the first version, never the cache
  expect(second.pruned).toContain(first.version);
  expect(existsSync(path.join(artifactsDir, '_cache', 'embeddings'))).toBe(true);
  const { meta } = await readEmbeddings(second.dir);
  expect(existsSync(path.join(second.dir, 'index.hnsw'))).toBe(true);
  expect(meta.ids).toEqual(movies.map((m) => m.id));
});

it('a changed input file is extracted and transformed again', async () => {
  const data = await mkdtemp(path.join(os.tmpdir(), 'mq-rebuild-raw-'));
  try {
    await cp(RAW, data, { recursive: true });
    const config = loadConfig({ dataDir: data, artifactsDir, embedder: 'catalog', keepVersions: 1, logLevel: 'silent' });
    const log = createLogger('test', 'silent');
    const before = await runInline(config, { log });
    // one keywords row fewer
    const kw = (await readdir(data)).find((f) => f.startsWith('keywords'))!;
    const lines = (await readFile(path.join(data, kw), 'utf8')).trimEnd().split('\n');
    await writeFile(path.join(data, kw), lines.slice(0, -1).join('\n') + '\n');
    const after = await runInline(config, { log });
    expect(after.manifest.info.extract).toMatchObject({ reusedFrom: null });
    expect((after.manifest.info.extract as { inputKey: string }).inputKey).not.toBe((before.manifest.info.extract as { inputKey: string }).inputKey);
    expect(after.manifest.counts.keywords_rows_read).toBe(before.manifest.counts.keywords_rows_read! - 1);
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});

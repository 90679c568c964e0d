// The similar lists' input read on a thread of its own (lists-input.ts): the same features and key
// as on the calling thread, its buffers moved across, and no features when the cache holds the lists.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { CatalogColumnsBuilder } from '../../pipeline/catalog-columns/builder.js';
import { writeCatalogColumns } from '../../pipeline/catalog-columns/files.js';
import { IndexCache } from '../../pipeline/embed/cache.js';
import { LISTS_INPUT_THREAD_MIN, listsInput, readListsInput } from '../../pipeline/index/lists-input.js';
import type { RerankColumns } from '../../pipeline/index/rerank.js';
import type { Movie } from '../../pipeline/types.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'embed', 'catalog.jsonl');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the similar lists input (lists-input.ts)', () => {
  it('read on a helper thread gives the features and key read here, on plain or shared memory, and none when the lists are cached', async () => {
    const movies = (await readAllJsonl<Movie>(FIXTURE)).sort((a, b) => a.id - b.id);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mq-lists-input-'));
    dirs.push(dir);
    const b = new CatalogColumnsBuilder();
    for (const m of movies) b.add(m);
    await writeCatalogColumns(path.join(dir, 'catalog.arrow'), b);
    await copyFile(FIXTURE, path.join(dir, 'catalog.jsonl'));
    const artifactsDir = path.join(dir, 'artifacts');
    const task = { file: path.join(dir, 'catalog.jsonl'), corpus: 'movies' as const, graphKey: 'g1', artifactsDir, shared: false };

    const here = await readListsInput(task);
    const there = await listsInput(task, LISTS_INPUT_THREAD_MIN);
    expect(there.key).toBe(here.key);
    expect(here.columns!.keywords.length).toBeGreaterThan(0);
    for (const [name, a] of Object.entries(here.columns!)) {
      const t = there.columns![name as keyof RerankColumns];
      expect(t.buffer, name).toBeInstanceOf(ArrayBuffer);
      expect(Array.from(t), name).toEqual(Array.from(a));
    }
    const shared = await listsInput({ ...task, shared: true }, LISTS_INPUT_THREAD_MIN);
    expect(shared.columns!.rareDocs.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared.columns!.rareDocs)).toEqual(Array.from(here.columns!.rareDocs));
    // another graph: another key
    expect((await readListsInput({ ...task, graphKey: 'g2' })).key).not.toBe(here.key);

    // lists cached under the key: no features read
    const src = path.join(dir, 'similar.bin');
    await writeFile(src, 'lists');
    await mkdir(artifactsDir, { recursive: true });
    await new IndexCache(artifactsDir).store(here.key, src);
    expect(await listsInput(task, LISTS_INPUT_THREAD_MIN)).toEqual({ key: here.key, columns: null });
  });
});

// The similar lists' input read on a thread of its own (lists-input.ts): the same features and key
// as on the calling thread, its buffers moved across, and no features when the cache holds the lists.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IndexCache } from '../../pipeline/embed/cache.js';
import { LISTS_INPUT_THREAD_MIN, listsInput, readListsInput } from '../../pipeline/index/lists-input.js';
import type { RerankColumns } from '../../pipeline/index/rerank.js';
import { fixtureVersion } from '../helpers/fixture-version.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the similar lists input (lists-input.ts)', () => {
  it('read on a helper thread gives the features and key read here, on plain or shared memory, and none when the lists are cached', async () => {
    const { dir, catalog } = await fixtureVersion('mq-lists-input-');
    dirs.push(dir);
    const artifactsDir = path.join(dir, 'artifacts');
    const task = { file: catalog, corpus: 'movies' as const, graphKey: 'g1', artifactsDir, shared: false };

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

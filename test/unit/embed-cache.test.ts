import { mkdtemp, readdir, rm, truncate, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { EmbeddingCache, FitCache, vectorKey } from '../../pipeline/embed/cache.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mq-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FP = 'ab'.repeat(32);

test('vector keys depend on both the fingerprint and the text', () => {
  expect(vectorKey(FP, 'x')).toHaveLength(32);
  expect(vectorKey(FP, 'x')).toBe(vectorKey(FP, 'x'));
  expect(vectorKey(FP, 'x')).not.toBe(vectorKey(FP, 'y'));
  expect(vectorKey('cd'.repeat(32), 'x')).not.toBe(vectorKey(FP, 'x'));
});

test('saved vectors come back under their keys, bit for bit', async () => {
  const cache = new EmbeddingCache(dir);
  const keys = ['a', 'b', 'c'].map((t) => vectorKey(FP, t));
  const m = Float32Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i) / 3);
  await cache.save(FP, 4, keys, m);
  const got = await cache.load(FP, 4);
  expect(got.size).toBe(3);
  keys.forEach((k, i) => expect(Array.from(got.get(k)!)).toEqual(Array.from(m.subarray(i * 4, (i + 1) * 4))));
  // another embedder, or other dims, sees nothing
  expect((await cache.load('cd'.repeat(32), 4)).size).toBe(0);
  expect((await cache.load(FP, 8)).size).toBe(0);
});

test('a damaged cache file is ignored, not trusted', async () => {
  const cache = new EmbeddingCache(dir);
  await cache.save(FP, 2, [vectorKey(FP, 'a')], Float32Array.of(1, 0));
  const [f] = await readdir(cache.dir);
  await truncate(path.join(cache.dir, f), 50);
  expect((await cache.load(FP, 2)).size).toBe(0);
});

test('prune keeps the most recently used embedders', async () => {
  const cache = new EmbeddingCache(dir);
  const fps = ['01', '02', '03'].map((p) => p.repeat(32));
  for (const [i, fp] of fps.entries()) {
    await cache.save(fp, 1, [vectorKey(fp, 'a')], Float32Array.of(1));
    const t = new Date(Date.now() - (10 - i) * 60_000);
    await utimes(path.join(cache.dir, `${fp.slice(0, 32)}.bin`), t, t);
  }
  await cache.load(fps[0], 1); // used now: newest
  const removed = await cache.prune(2);
  expect(removed).toEqual([`${fps[1].slice(0, 32)}.bin`]);
  expect((await cache.load(fps[0], 1)).size).toBe(1);
  expect((await cache.load(fps[2], 1)).size).toBe(1);
});

test('fit cache entries appear whole or not at all', async () => {
  const fits = new FitCache(dir);
  expect(await fits.has('k1')).toBe(false);
  await expect(
    fits.put('k1', async () => {
      throw new Error('disk full');
    }),
  ).rejects.toThrow('disk full');
  expect(await fits.has('k1')).toBe(false);
  await fits.put('k1', async (d) => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(d, 'x'), 'y');
  });
  expect(await fits.has('k1')).toBe(true);
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Rng } from '../../pipeline/embedders/catalog/linalg.js';
import { writeEmbeddings } from '../../pipeline/embed/matrix.js';
import { buildIndex, INDEX_FILES, loadIndex, nativeBuild, SEARCH_EF } from '../../pipeline/index/hnsw.js';
import { exactTopK, rowOf } from '../../pipeline/index/exact.js';

const N = 600;
const D = 24;
let dir: string;
let matrix: Float32Array;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mq-index-'));
  // clustered unit vectors: 30 centres, each point a noisy copy of one
  const rng = new Rng(21);
  const u = () => (rng.nextU32() / 2 ** 32) * 2 - 1;
  const centres = Array.from({ length: 30 }, () => Array.from({ length: D }, u));
  matrix = new Float32Array(N * D);
  for (let i = 0; i < N; i++) {
    const c = centres[i % 30];
    let n = 0;
    for (let d = 0; d < D; d++) n += (matrix[i * D + d] = c[d] + 0.3 * u()) ** 2;
    for (let d = 0; d < D; d++) matrix[i * D + d] /= Math.sqrt(n);
  }
  const ids = Array.from({ length: N }, (_, i) => 1000 + i);
  await writeEmbeddings(dir, { count: N, dims: D, ids, embedder: { id: 'catalog', fingerprint: 'f'.repeat(64), dims: D } }, matrix);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noProgress = { progress: () => {} };

/** Docs for the rows: titles that share words across clusters, so the title candidates take part too. */
async function writeDocs(file: string): Promise<void> {
  const words = ['night', 'river', 'storm', 'garden', 'winter', 'echo', 'harbor', 'lantern'];
  await writeFile(
    file,
    Array.from({ length: N }, (_, i) =>
      JSON.stringify({ id: 1000 + i, title: `${words[i % 8]} ${words[(i * 3) % 8]} ${i % 50}`, keywords: [words[i % 5]], cast: [`Actor ${i % 40}`, `Actor ${i % 13}`] }),
    ).join('\n') + '\n',
  );
}

test('the build is deterministic: the same vectors and parameters give the same file', async () => {
  const a = await buildIndex({ dir }, noProgress);
  const first = await readFile(path.join(dir, INDEX_FILES.index));
  await buildIndex({ dir }, noProgress);
  const second = await readFile(path.join(dir, INDEX_FILES.index));
  expect(first.equals(second)).toBe(true);
  expect(a.meta).toMatchObject({ space: 'cosine', count: N, dims: D, embedderFingerprint: 'f'.repeat(64) });
  expect(a.reused).toBe(false);
});

test('npm install recompiled hnswlib-node for AVX2 + FMA when this CPU has them (native-build.mjs), and the index says which', async () => {
  const flags = (/^flags\s*:(.*)$/m.exec(await readFile('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/);
  const expected = process.env.MARQUEE_HNSW_SIMD === 'off' || !(flags.includes('avx2') && flags.includes('fma')) ? 'default' : 'avx2';
  expect(nativeBuild()).toBe(expected);
  const a = await buildIndex({ dir }, noProgress);
  expect(a.meta.native).toBe(expected);
});

test('a loaded index agrees with exact cosine search (recall@10 = 1 on a small set at the shipped ef)', async () => {
  await buildIndex({ dir }, noProgress);
  const { index, meta } = await loadIndex(dir);
  expect(index.getEf()).toBe(meta.searchEf);
  expect(meta.searchEf).toBe(SEARCH_EF);
  let hits = 0;
  for (let r = 0; r < N; r += 7) {
    const truth = new Set(exactTopK(matrix, D, rowOf(matrix, D, r), 10).map((n) => n.row));
    const got = index.searchKnn(Array.from(rowOf(matrix, D, r)), 10);
    hits += got.neighbors.filter((x) => truth.has(x)).length;
    expect(got.neighbors[0]).toBe(r); // a vector's nearest neighbour is itself
    expect(1 - got.distances[0]).toBeCloseTo(1, 5);
  }
  expect(hits).toBe(10 * Math.ceil(N / 7));
});

test('with an artifacts dir, a second build of the same vectors is copied from the cache', async () => {
  const artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-index-art-'));
  try {
    const a = await buildIndex({ dir, artifactsDir }, noProgress);
    const bytes = await readFile(path.join(dir, INDEX_FILES.index));
    await writeFile(path.join(dir, INDEX_FILES.index), 'stale');
    const b = await buildIndex({ dir, artifactsDir }, noProgress);
    expect([a.reused, b.reused]).toEqual([false, true]);
    expect((await readFile(path.join(dir, INDEX_FILES.index))).equals(bytes)).toBe(true);
    // other parameters: built again
    const c = await buildIndex({ dir, artifactsDir, params: { M: 8 } }, noProgress);
    expect(c.reused).toBe(false);
    expect(c.meta.M).toBe(8);
  } finally {
    await rm(artifactsDir, { recursive: true, force: true });
  }
});

test('similar lists searched by two threads are the same bytes as by one', async () => {
  const { readSimilarLists } = await import('../../pipeline/index/similar-lists.js');
  const docsFile = path.join(dir, 'docs.jsonl');
  await writeDocs(docsFile);
  const one = await buildIndex({ dir, docs: { file: docsFile, corpus: 'movies' }, listThreads: 1 }, noProgress);
  const a = await readSimilarLists(dir);
  const two = await buildIndex({ dir, docs: { file: docsFile, corpus: 'movies' }, listThreads: 2 }, noProgress);
  const b = await readSimilarLists(dir);
  expect(one.similar?.k).toBe(two.similar?.k);
  expect(Array.from(b.rows)).toEqual(Array.from(a.rows));
  expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
  expect(a.rows[0]).toBeGreaterThanOrEqual(0);

  // what the service reads per call: the same lists from the file, one doc at a time
  const { SimilarListsFile } = await import('../../pipeline/index/similar-lists.js');
  const file = await SimilarListsFile.open(dir);
  try {
    expect([file.k, file.count]).toEqual([a.k, a.count]);
    for (const label of [0, 1, Math.floor(N / 2), N - 1]) {
      const l = file.read(label);
      expect(Array.from(l.rows)).toEqual(Array.from(a.rows.subarray(label * a.k, (label + 1) * a.k)));
      expect(Array.from(l.scores)).toEqual(Array.from(a.scores.subarray(label * a.k, (label + 1) * a.k)));
    }
    expect(() => file.read(N)).toThrow(RangeError);
    expect(() => file.read(-1)).toThrow(RangeError);
  } finally {
    file.close();
  }
  expect(() => file.read(0)).toThrow(/closed/);
});

test('similar lists over two shards, a thread per shard in blocks, are the same bytes as one thread over both', async () => {
  const { readSimilarLists } = await import('../../pipeline/index/similar-lists.js');
  const sdir = await mkdtemp(path.join(os.tmpdir(), 'mq-lists-shards-'));
  try {
    for (const f of ['embeddings.f32', 'embeddings.json']) await writeFile(path.join(sdir, f), await readFile(path.join(dir, f)));
    await writeDocs(path.join(sdir, 'docs.jsonl'));
    const docs = { file: path.join(sdir, 'docs.jsonl'), corpus: 'movies' as const };
    // one thread: the ShardedIndex (both graphs) searched per doc
    await buildIndex({ dir: sdir, docs, shards: 2, listThreads: 1 }, noProgress);
    const a = await readSimilarLists(sdir);
    // a thread per shard, blocks of 64 docs (10 blocks, the last one short), both buffer slots in use
    await buildIndex({ dir: sdir, docs, shards: 2, listThreads: 2, listBlock: 64 }, noProgress);
    const b = await readSimilarLists(sdir);
    expect(Array.from(b.rows)).toEqual(Array.from(a.rows));
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    // every doc has a full list that leaves itself out and reaches into the other shard
    for (let i = 0; i < N; i++) {
      const row = Array.from(a.rows.subarray(i * a.k, (i + 1) * a.k));
      expect(row).not.toContain(i);
      expect(row.filter((r) => r >= 0)).toHaveLength(Math.min(a.k, N - 1));
    }
    expect(Array.from(a.rows.subarray(0, a.k)).some((r) => r >= N / 2)).toBe(true);
  } finally {
    await rm(sdir, { recursive: true, force: true });
  }
});

test('an index built as shards on two threads: deterministic, found by loadIndex, as good as one graph', async () => {
  const sdir = await mkdtemp(path.join(os.tmpdir(), 'mq-index-shards-'));
  try {
    for (const f of ['embeddings.f32', 'embeddings.json']) await writeFile(path.join(sdir, f), await readFile(path.join(dir, f)));
    const a = await buildIndex({ dir: sdir, shards: 2 }, noProgress);
    expect(a.meta.shards).toBe(2);
    expect(a.meta.shardBounds).toEqual([0, N / 2, N]);
    expect(a.files).toMatchObject({ index: 'index.hnsw', index_1: 'index-1.hnsw' });
    const first = await Promise.all(['index.hnsw', 'index-1.hnsw'].map((f) => readFile(path.join(sdir, f))));
    await buildIndex({ dir: sdir, shards: 2 }, noProgress);
    const second = await Promise.all(['index.hnsw', 'index-1.hnsw'].map((f) => readFile(path.join(sdir, f))));
    expect(first[0].equals(second[0]) && first[1].equals(second[1])).toBe(true);

    const { index } = await loadIndex(sdir);
    let hits = 0;
    for (let r = 0; r < N; r += 7) {
      const truth = new Set(exactTopK(matrix, D, rowOf(matrix, D, r), 10).map((n) => n.row));
      const got = index.searchKnn(Array.from(rowOf(matrix, D, r)), 10);
      expect(got.neighbors[0]).toBe(r);
      // sorted by distance across both shards
      for (let j = 1; j < got.distances.length; j++) expect(got.distances[j]).toBeGreaterThanOrEqual(got.distances[j - 1]);
      hits += got.neighbors.filter((x) => truth.has(x)).length;
    }
    expect(hits).toBe(10 * Math.ceil(N / 7));
    // a label from either shard comes back as its vector
    expect(index.getPoint(N - 1).length).toBe(D);
    // a filter sees global labels
    const even = index.searchKnn(Array.from(rowOf(matrix, D, 3)), 10, (l) => l % 2 === 0);
    expect(even.neighbors.every((l) => l % 2 === 0)).toBe(true);
    expect(even.neighbors).toHaveLength(10);
  } finally {
    await rm(sdir, { recursive: true, force: true });
  }
});

// The parallel-graph addon (pipeline/index/parallel-graph/graph.cc, built by npm install): one
// graph built and searched by several threads, checked against hnswlib-node itself.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Rng } from '../../pipeline/embedders/catalog/linalg.js';
import { writeEmbeddings } from '../../pipeline/embed/matrix.js';
import { exactTopK, rowOf } from '../../pipeline/index/exact.js';
import { buildIndex, DEFAULT_INDEX_PARAMS, INDEX_FILES, loadIndex, type KnnIndex } from '../../pipeline/index/hnsw.js';
import { ParallelGraph, parallelGraphAddon } from '../../pipeline/index/parallel-graph.js';
import { readSimilarLists } from '../../pipeline/index/similar-lists.js';

const N = 3000;
const D = 32;
let dir: string;
let matrix: Float32Array;
const noProgress = { progress: () => {} };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mq-pgraph-'));
  // 60 noisy clusters, not normalized (the addon normalizes as hnswlib-node's cosine does)
  const rng = new Rng(7);
  const u = () => (rng.nextU32() / 2 ** 32) * 2 - 1;
  const centres = Array.from({ length: 60 }, () => Array.from({ length: D }, u));
  matrix = new Float32Array(N * D);
  for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) matrix[i * D + d] = (centres[i % 60][d] + 0.4 * u()) * (1 + (i % 3));
  await writeEmbeddings(dir, { count: N, dims: D, ids: Array.from({ length: N }, (_, i) => 1 + i), embedder: { id: 'catalog', fingerprint: 'e'.repeat(64), dims: D } }, matrix);
  const words = ['night', 'river', 'storm', 'garden', 'winter', 'echo', 'harbor', 'lantern', 'copper', 'meadow'];
  await writeFile(
    path.join(dir, 'docs.jsonl'),
    Array.from({ length: N }, (_, i) =>
      JSON.stringify({ id: 1 + i, title: `${words[i % 10]} ${words[(i * 7) % 10]} ${i % 90}`, keywords: [words[i % 4]], cast: [`Actor ${i % 70}`] }),
    ).join('\n') + '\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const docs = () => ({ file: path.join(dir, 'docs.jsonl'), corpus: 'movies' as const });

/** recall@10 of a loaded graph against exact cosine search (over unit-length copies of the rows), every 11th row. */
function recallAt10(index: KnnIndex): number {
  const unit = matrix.slice();
  for (let i = 0; i < N; i++) {
    const row = unit.subarray(i * D, (i + 1) * D);
    const norm = Math.hypot(...row);
    for (let d = 0; d < D; d++) row[d] /= norm;
  }
  let hits = 0;
  let queries = 0;
  for (let r = 0; r < N; r += 11, queries++) {
    const truth = new Set(exactTopK(unit, D, rowOf(unit, D, r), 10).map((n) => n.row));
    hits += index.searchKnn(Array.from(rowOf(matrix, D, r)), 10).neighbors.filter((x) => truth.has(x)).length;
  }
  return hits / (10 * queries);
}
const file = (f: string) => readFile(path.join(dir, f));

test('npm install built the parallel-graph addon beside hnswlib-node (native-build.mjs)', () => {
  expect(parallelGraphAddon()).not.toBeNull();
});

test('on one thread the addon builds the graph hnswlib-node builds, and its searches give the same similar lists', async () => {
  // shards: 1 asks for hnswlib-node's own one-thread build and its per-doc searches
  const lib = await buildIndex({ dir, docs: docs(), shards: 1, listThreads: 1 }, noProgress);
  const libGraph = await file(INDEX_FILES.index);
  const libLists = await file('similar.bin');
  expect(lib.meta.buildThreads).toBeUndefined();
  for (const listThreads of [1, 2]) {
    const addon = await buildIndex({ dir, docs: docs(), buildThreads: 1, listThreads, listBlock: 700 }, noProgress);
    expect(addon.meta.buildThreads).toBeUndefined();
    // nothing to repair on this set, so the insertion alone decides the bytes
    expect(addon.meta.repair).toEqual({ unreachable: 0, unreachableLinked: 0, lost: 0, lostLinked: 0 });
    expect((await file(INDEX_FILES.index)).equals(libGraph)).toBe(true);
    expect((await file('similar.bin')).equals(libLists)).toBe(true);
  }
});

test('two threads build one graph: hnswlib-node loads it, recall@10 against exact search, lists as from hnswlib-node over it', async () => {
  const artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-pgraph-art-'));
  try {
    const two = await buildIndex({ dir, docs: docs(), buildThreads: 2, listThreads: 2, listBlock: 512, artifactsDir }, noProgress);
    expect(two.meta.buildThreads).toBe(2);
    // no link added after insertion: hnswlib-node's searches of the written graph are the lists' searches
    expect(two.meta.repair).toMatchObject({ unreachableLinked: 0, lostLinked: 0 });
    expect(two.meta.shards).toBeUndefined();
    const lists = await readSimilarLists(dir);

    const { index } = await loadIndex(dir);
    expect(recallAt10(index)).toBeGreaterThanOrEqual(0.99);

    // the same graph searched by hnswlib-node, one doc per call: the same lists
    const { fillSimilarLists, allocSimilarLists } = await import('../../pipeline/index/similar-lists.js');
    const { rerankInput } = await import('../../pipeline/index/rerank-docs.js');
    const input = await rerankInput(docs().file, 'movies');
    const features = input.features(false);
    input.close();
    index.setEf(DEFAULT_INDEX_PARAMS.ef);
    const expected = allocSimilarLists(N);
    fillSimilarLists(index, matrix, D, features, expected, 0, N);
    expect(Array.from(lists.rows)).toEqual(Array.from(expected.rows));
    expect(Array.from(lists.scores)).toEqual(Array.from(expected.scores));

    // a two-thread graph is cached under its own key: a one-thread build is not served it
    const again = await buildIndex({ dir, buildThreads: 2, artifactsDir }, noProgress);
    const one = await buildIndex({ dir, buildThreads: 1, artifactsDir }, noProgress);
    expect([again.reused, one.reused]).toEqual([true, false]);
  } finally {
    await rm(artifactsDir, { recursive: true, force: true });
  }
});

test('from localityInsertMin vectors the rows are inserted in locality order: every row labelled once, recall kept, a cache key of its own', async () => {
  const artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-pgraph-loc-'));
  try {
    const rowOrder = await buildIndex({ dir, buildThreads: 1, artifactsDir }, noProgress);
    expect(rowOrder.meta.insertOrder).toBeUndefined();
    const rowGraph = await file(INDEX_FILES.index);
    const local = await buildIndex({ dir, buildThreads: 1, artifactsDir, localityInsertMin: 1000 }, noProgress);
    expect(local.meta.insertOrder).toBe('locality');
    // not served the row-order graph from the cache, and not the same graph
    expect(local.reused).toBe(false);
    expect((await file(INDEX_FILES.index)).equals(rowGraph)).toBe(false);
    const { index } = await loadIndex(dir);
    // every row's label is in the graph (getPoint throws for a label that is not)
    let labelled = 0;
    for (let r = 0; r < N; r++) labelled += index.getPoint(r).length === D ? 1 : 0;
    expect(labelled).toBe(N);
    expect(recallAt10(index)).toBeGreaterThanOrEqual(0.99);
    // on one thread the order decides the bytes: the same again from the cache, and when built afresh
    expect((await buildIndex({ dir, buildThreads: 1, artifactsDir, localityInsertMin: 1000 }, noProgress)).reused).toBe(true);
    const cached = await file(INDEX_FILES.index);
    await buildIndex({ dir, buildThreads: 1, localityInsertMin: 1000 }, noProgress);
    expect((await file(INDEX_FILES.index)).equals(cached)).toBe(true);
  } finally {
    await rm(artifactsDir, { recursive: true, force: true });
  }
  // an order that is not one of the matrix's rows is refused
  const small = matrix.subarray(0, 100 * D);
  await expect(ParallelGraph.build(small, D, DEFAULT_INDEX_PARAMS, 2, undefined, { order: new Int32Array(99) })).rejects.toThrow(/insertion order of 99 rows/);
  const bad = Int32Array.from({ length: 100 }, (_, i) => (i === 50 ? 100 : i));
  await expect(ParallelGraph.build(small, D, DEFAULT_INDEX_PARAMS, 2, undefined, { order: bad })).rejects.toThrow(/out of the matrix/);
});

test('the addon refuses bad ranges and a released graph with an error, not a crash', async () => {
  const g = await ParallelGraph.build(matrix.subarray(0, 100 * D), D, DEFAULT_INDEX_PARAMS, 2);
  expect(g.count).toBe(100);
  const out = { labels: new Int32Array(10), dists: new Float32Array(10), width: 10 };
  const order = Int32Array.of(0, 1, 5000);
  await expect(g.search(matrix.subarray(0, 100 * D), order, 0, 4, 10, 50, out, 0, 1)).rejects.toThrow(/out of its buffers/);
  await expect(g.search(matrix.subarray(0, 100 * D), order, 2, 3, 10, 50, out, 0, 1)).rejects.toThrow(/out of the matrix/);
  await g.search(matrix.subarray(0, 100 * D), order, 0, 1, 10, 50, out, 0, 1);
  expect(out.labels[0]).toBe(0);
  const busy = g.search(matrix.subarray(0, 100 * D), order, 1, 2, 10, 50, out, 0, 1);
  expect(() => g.release()).toThrow(/busy/);
  await busy;
  g.release();
  await expect(g.search(matrix, order, 0, 1, 10, 50, out, 0, 1)).rejects.toThrow(/not initialized/);
});

test('a sparse graph: the build links the nodes no search reaches, linkLost the rows their own search misses', async () => {
  // M=3 and efConstruction 4 over 60 clusters leave nodes without incoming links and rows
  // whose search ends in another cluster
  const sparse = { ...DEFAULT_INDEX_PARAMS, M: 3, efConstruction: 4 };
  const lostRows = async (g: ParallelGraph) => {
    const lost = new Uint8Array(N);
    const out = { labels: new Int32Array(N * 10), dists: new Float32Array(N * 10), width: 10 };
    await g.search(matrix, Int32Array.from({ length: N }, (_, i) => i), 0, N, 10, 10, out, 0, 2, lost);
    return Int32Array.from(lost.keys()).filter((r) => lost[r] === 1);
  };
  const plain = await ParallelGraph.build(matrix, D, sparse, 1, undefined, { repair: false });
  const before = await plain.repair();
  expect(before.unreachable).toBeGreaterThan(0);
  expect(before.linked + before.unlinked).toBeLessThanOrEqual(before.unreachable);
  expect(before.linked).toBeGreaterThan(0);
  // linking a node reaches its island too: nothing is left unreachable
  expect((await plain.repair()).unreachable).toBe(0);

  const lost = await lostRows(plain);
  expect(lost.length).toBeGreaterThan(0);
  const linked = await plain.linkLost(matrix, lost, 10, 10);
  expect(linked).toBeGreaterThan(0);
  expect(linked).toBeLessThanOrEqual(lost.length);
  const after = await lostRows(plain);
  expect(after.length).toBeLessThan(lost.length / 4);
  plain.release();

  // the repair is deterministic: a second one-thread build gives the same file
  const files = [];
  for (let i = 0; i < 2; i++) {
    const g = await ParallelGraph.build(matrix, D, sparse, 1);
    expect(g.repaired?.unreachable).toBe(before.unreachable);
    await g.linkLost(matrix, lost, 10, 10);
    await g.write(path.join(dir, `sparse-${i}.hnsw`));
    g.release();
    files.push(await file(`sparse-${i}.hnsw`));
  }
  expect(files[0].equals(files[1])).toBe(true);
});

test('the index stage links the docs its list searches miss, searches them again and counts it in index.json', async () => {
  const sdir = await mkdtemp(path.join(os.tmpdir(), 'mq-pgraph-sparse-'));
  try {
    for (const f of ['embeddings.f32', 'embeddings.json']) await writeFile(path.join(sdir, f), await file(f));
    const r = await buildIndex({ dir: sdir, docs: docs(), buildThreads: 1, listThreads: 2, listBlock: 500, params: { M: 3, efConstruction: 4 } }, noProgress);
    const repair = r.meta.repair!;
    expect(repair.unreachableLinked).toBeGreaterThan(0);
    expect(repair.lost).toBeGreaterThan(0);
    expect(repair.lostLinked).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(path.join(sdir, INDEX_FILES.meta), 'utf8')).repair).toEqual(repair);
    // every list holds other docs, best first (a graph this sparse can end a search in a small
    // region, so a list may be short)
    const lists = await readSimilarLists(sdir);
    for (let i = 0; i < N; i++) {
      const row = Array.from(lists.rows.subarray(i * lists.k, (i + 1) * lists.k));
      expect(row).not.toContain(i);
      expect(row.filter((x) => x >= 0).length).toBeGreaterThan(0);
      const scores = lists.scores.subarray(i * lists.k, (i + 1) * lists.k);
      for (let j = 1; j < scores.length && row[j] >= 0; j++) expect(scores[j]).toBeLessThanOrEqual(scores[j - 1]);
    }
  } finally {
    await rm(sdir, { recursive: true, force: true });
  }
});

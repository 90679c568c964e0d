// The fit's dense products on two threads (linalg-threads.ts): each product, the SVD and a whole
// fit give the same bits as on one thread.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { Rng, ONE_THREAD, randomizedSvd, type Csr } from '../../pipeline/embedders/catalog/linalg.js';
import { TwoThreadDenseOps } from '../../pipeline/embedders/catalog/linalg-threads.js';
import { CatalogEmbedder } from '../../pipeline/embedders/catalog/model.js';
import { movieDoc } from '../../pipeline/embedders/movie-doc.js';
import type { Movie } from '../../pipeline/types.js';

let ops: TwoThreadDenseOps;
beforeAll(async () => {
  ops = await TwoThreadDenseOps.start();
});
afterAll(async () => {
  await ops.close();
});

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** A random sparse matrix (rows of uneven length, so the split by non-zeros is not the split by rows). */
function sparse(rows: number, cols: number, seed: number): Csr {
  const rng = new Rng(seed);
  const indptr = new Int32Array(rows + 1);
  const ind: number[] = [];
  const dat: number[] = [];
  for (let i = 0; i < rows; i++) {
    const k = 1 + (rng.nextU32() % (i % 7 === 0 ? 40 : 6));
    const cs = new Set<number>();
    while (cs.size < Math.min(k, cols)) cs.add(rng.nextU32() % cols);
    for (const c of [...cs].sort((a, b) => a - b)) {
      ind.push(c);
      dat.push((rng.nextU32() % 1000) / 997 - 0.4);
    }
    indptr[i + 1] = ind.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(ind), data: Float64Array.from(dat) };
}

function dense(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => (rng.nextU32() % 100_000) / 31_337 - 1.5);
}

describe('two-thread dense products', () => {
  const A = sparse(901, 333, 7);
  const l = 37;

  test('each product is the same bits as on one thread', () => {
    const X = dense(A.cols * l, 1);
    const Y = dense(A.rows * l, 2);
    const M = dense(l * l, 3);
    expect(bits(ops.csrMulDense(A, X, l)).equals(bits(ONE_THREAD.csrMulDense(A, X, l)))).toBe(true);
    expect(bits(ops.csrTMulDense(A, Y, l)).equals(bits(ONE_THREAD.csrTMulDense(A, Y, l)))).toBe(true);
    expect(bits(ops.gram(Y, A.rows, l)).equals(bits(ONE_THREAD.gram(Y, A.rows, l)))).toBe(true);
    for (const upper of [false, true]) {
      expect(bits(ops.mulDense(Y, A.rows, l, M, l, upper)).equals(bits(ONE_THREAD.mulDense(Y, A.rows, l, M, l, upper)))).toBe(true);
    }
    // the outputs are shared memory: the helper wrote its share in place
    expect(ops.gram(Y, A.rows, l).buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  test('the randomized SVD is the same bits', () => {
    const one = randomizedSvd(A, 24, { seed: 4 });
    const two = randomizedSvd(A, 24, { seed: 4, ops });
    expect(two.k).toBe(one.k);
    expect(bits(two.components).equals(bits(one.components))).toBe(true);
    expect(bits(two.singularValues).equals(bits(one.singularValues))).toBe(true);
  });

  test('a fit of the catalog embedder is the same: fingerprint and vectors', async () => {
    const movies = await readAllJsonl<Movie>(path.join(PROJECT_ROOT, 'test', 'fixtures', 'embed', 'catalog.jsonl'));
    const docs = movies.map(movieDoc);
    const one = CatalogEmbedder.fit(docs);
    const two = CatalogEmbedder.fit(docs, {}, undefined, ops);
    expect(two.spec().fingerprint).toBe(one.spec().fingerprint);
    const a = one.embedDocsSync(docs);
    const b = two.embedDocsSync(docs);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });
});

import { describe, expect, test } from 'vitest';
import { Rng, randomizedSvd, symEig, type Csr } from '../../pipeline/embedders/catalog/linalg.js';

function toCsr(dense: number[][]): Csr {
  const rows = dense.length;
  const cols = dense[0].length;
  const indptr = new Int32Array(rows + 1);
  const ind: number[] = [];
  const dat: number[] = [];
  dense.forEach((r, i) => {
    r.forEach((v, j) => {
      if (v !== 0) {
        ind.push(j);
        dat.push(v);
      }
    });
    indptr[i + 1] = ind.length;
  });
  return { rows, cols, indptr, indices: Int32Array.from(ind), data: Float64Array.from(dat) };
}

/** AᵀA computed the slow obvious way. */
function ata(dense: number[][]): Float64Array {
  const c = dense[0].length;
  const G = new Float64Array(c * c);
  for (const r of dense) for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) G[a * c + b] += r[a] * r[b];
  return G;
}

describe('symEig', () => {
  test('returns orthonormal eigenvectors with S v = λ v, eigenvalues descending', () => {
    const n = 30;
    const rng = new Rng(3);
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) S[i * n + j] = S[j * n + i] = (rng.nextU32() % 2001) / 1000 - 1;
    const { values, vectors } = symEig(S, n);
    for (let c = 0; c < n; c++) {
      if (c > 0) expect(values[c]).toBeLessThanOrEqual(values[c - 1]);
      for (let i = 0; i < n; i++) {
        let sv = 0;
        for (let k = 0; k < n; k++) sv += S[i * n + k] * vectors[k * n + c];
        expect(sv).toBeCloseTo(values[c] * vectors[i * n + c], 9);
      }
      for (let d = 0; d < n; d++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += vectors[k * n + c] * vectors[k * n + d];
        expect(dot).toBeCloseTo(c === d ? 1 : 0, 9);
      }
    }
  });
});

describe('randomizedSvd', () => {
  // a sparse matrix with 8 strong planted directions plus weak noise
  const rng = new Rng(11);
  const rows = 220;
  const cols = 160;
  const dense: number[][] = Array.from({ length: rows }, () => new Array(cols).fill(0));
  for (let f = 0; f < 8; f++) {
    const strength = 10 - f;
    const rs = Array.from({ length: 30 }, () => rng.nextU32() % rows);
    const cs = Array.from({ length: 20 }, () => rng.nextU32() % cols);
    for (const r of rs) for (const c of cs) dense[r][c] += strength / 10;
  }
  for (let i = 0; i < 600; i++) dense[rng.nextU32() % rows][rng.nextU32() % cols] += 0.01;
  const A = toCsr(dense);
  const exact = symEig(ata(dense), cols).values.map((v) => Math.sqrt(Math.max(v, 0)));

  test('finds the top singular values of a matrix with a clear spectrum', () => {
    const r = randomizedSvd(A, 8, { powerIters: 2, seed: 5 });
    expect(r.k).toBe(8);
    for (let i = 0; i < 8; i++) expect(r.singularValues[i] / exact[i]).toBeCloseTo(1, 6);
  });

  test('components are orthonormal right singular vectors: |A v| = σ', () => {
    const r = randomizedSvd(A, 8, { powerIters: 2, seed: 5 });
    for (let c = 0; c < r.k; c++) {
      for (let d = 0; d < r.k; d++) {
        let dot = 0;
        for (let t = 0; t < cols; t++) dot += r.components[t * r.k + c] * r.components[t * r.k + d];
        expect(dot).toBeCloseTo(c === d ? 1 : 0, 9);
      }
      let norm = 0;
      for (const row of dense) {
        let s = 0;
        for (let t = 0; t < cols; t++) s += row[t] * r.components[t * r.k + c];
        norm += s * s;
      }
      expect(Math.sqrt(norm) / r.singularValues[c]).toBeCloseTo(1, 6);
    }
  });

  test('is deterministic for a seed', () => {
    const a = randomizedSvd(A, 12, { seed: 9 });
    const b = randomizedSvd(A, 12, { seed: 9 });
    expect(Buffer.from(a.components.buffer).equals(Buffer.from(b.components.buffer))).toBe(true);
  });

  test('a rank-deficient corpus gives no more components than its rank, still orthonormal', () => {
    // 6 rows, 3 of them duplicates: rank 3
    const d = [
      [1, 0, 2, 0, 0],
      [0, 1, 0, 0, 3],
      [1, 1, 0, 1, 0],
      [1, 0, 2, 0, 0],
      [0, 1, 0, 0, 3],
      [1, 1, 0, 1, 0],
    ];
    const r = randomizedSvd(toCsr(d), 256, { seed: 1 });
    expect(r.k).toBe(3);
    for (let c = 0; c < r.k; c++) {
      let n = 0;
      for (let t = 0; t < 5; t++) n += r.components[t * r.k + c] ** 2;
      expect(n).toBeCloseTo(1, 9);
    }
  });
});

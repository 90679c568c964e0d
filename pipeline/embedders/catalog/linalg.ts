// Dense and sparse linear algebra for the catalog embedder's randomized SVD. No BLAS here, so the
// loops are written for row-major Float64Array access; everything is deterministic (fixed
// summation order, integer-only random numbers), so the same input gives the same bits.

/** xoshiro128** on 32-bit ints: integer-only, so portable and deterministic across platforms. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    // splitmix-like seeding so nearby seeds give unrelated streams
    let s = seed >>> 0 || 0x9e3779b9;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }
  /** uniform uint32 (xoshiro128**) */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }
  /** +1 or -1 with equal chance: a Rademacher sketch works as well as a Gaussian one for range finding */
  sign(): number {
    return this.nextU32() & 1 ? 1 : -1;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Compressed sparse rows. */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float64Array;
}

/**
 * The dense products of the SVD (nearly all of a fit's arithmetic). ONE_THREAD computes them here;
 * linalg-threads.ts splits each between this thread and a helper so that every entry is summed in
 * the same order, so both give the same bits.
 */
export interface DenseOps {
  csrMulDense(A: Csr, X: Float64Array, l: number): Float64Array;
  csrTMulDense(A: Csr, Y: Float64Array, l: number): Float64Array;
  gram(Y: Float64Array, n: number, l: number): Float64Array;
  mulDense(Y: Float64Array, n: number, l: number, M: Float64Array, m: number, upper?: boolean): Float64Array;
  /** An output of these products no longer used: its memory may serve the next (shared memory is not collected soon) */
  release?(a: Float64Array): void;
}

/** Y (rows x l) = A X, with X (cols x l) row-major. */
export function csrMulDense(A: Csr, X: Float64Array, l: number): Float64Array {
  const Y = new Float64Array(A.rows * l);
  csrMulDenseRows(A, X, l, Y, 0, A.rows);
  return Y;
}

/** Rows [from, to) of Y = A X into Y (each row depends on its own row of A only). */
export function csrMulDenseRows(A: Csr, X: Float64Array, l: number, Y: Float64Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const yo = i * l;
    const end = A.indptr[i + 1];
    let p = A.indptr[i];
    // two non-zeros per pass: half the loads and stores of the output row
    for (; p + 1 < end; p += 2) {
      const v0 = A.data[p];
      const v1 = A.data[p + 1];
      const x0 = A.indices[p] * l;
      const x1 = A.indices[p + 1] * l;
      for (let c = 0; c < l; c++) Y[yo + c] += v0 * X[x0 + c] + v1 * X[x1 + c];
    }
    if (p < end) {
      const v = A.data[p];
      const xo = A.indices[p] * l;
      for (let c = 0; c < l; c++) Y[yo + c] += v * X[xo + c];
    }
  }
}

/** Z (cols x l) = Aᵀ Y, with Y (rows x l) row-major. */
export function csrTMulDense(A: Csr, Y: Float64Array, l: number): Float64Array {
  const Z = new Float64Array(A.cols * l);
  csrTMulDenseColumns(A, Y, l, Z, 0, l);
  return Z;
}

/**
 * Columns [from, to) of Z = Aᵀ Y into Z. Every entry sums over A's rows in the same order whatever
 * the column range, so splitting the columns between threads gives the same bits as one pass.
 */
export function csrTMulDenseColumns(A: Csr, Y: Float64Array, l: number, Z: Float64Array, from: number, to: number): void {
  for (let i = 0; i < A.rows; i++) {
    const yo = i * l;
    for (let p = A.indptr[i]; p < A.indptr[i + 1]; p++) {
      const v = A.data[p];
      const zo = A.indices[p] * l;
      for (let c = from; c < to; c++) Z[zo + c] += v * Y[yo + c];
    }
  }
}

/** G (l x l) = Yᵀ Y for Y (n x l) row-major (upper triangle accumulated, then mirrored). */
export function gram(Y: Float64Array, n: number, l: number): Float64Array {
  const G = new Float64Array(l * l);
  gramRows(Y, n, l, G, 0, l);
  mirrorUpper(G, l);
  return G;
}

/** Copies G's upper triangle onto its lower one. */
export function mirrorUpper(G: Float64Array, l: number): void {
  for (let a = 0; a < l; a++) for (let b = a + 1; b < l; b++) G[b * l + a] = G[a * l + b];
}

/**
 * Rows [from, to) of Yᵀ Y's upper triangle into G. Each entry sums over Y's rows in the same order
 * whatever the row range, so splitting G's rows between threads gives the same bits as one pass.
 */
export function gramRows(Y: Float64Array, n: number, l: number, G: Float64Array, from: number, to: number): void {
  let i = 0;
  // four rows per pass: a quarter of the loads and stores of G (the loop is bound by them)
  for (; i + 3 < n; i += 4) {
    const o0 = i * l;
    const o1 = o0 + l;
    const o2 = o1 + l;
    const o3 = o2 + l;
    for (let a = from; a < to; a++) {
      const y0 = Y[o0 + a];
      const y1 = Y[o1 + a];
      const y2 = Y[o2 + a];
      const y3 = Y[o3 + a];
      const go = a * l;
      for (let b = a; b < l; b++) G[go + b] += y0 * Y[o0 + b] + y1 * Y[o1 + b] + y2 * Y[o2 + b] + y3 * Y[o3 + b];
    }
  }
  for (; i < n; i++) {
    const o = i * l;
    for (let a = from; a < to; a++) {
      const ya = Y[o + a];
      if (ya === 0) continue;
      const go = a * l;
      for (let b = a; b < l; b++) G[go + b] += ya * Y[o + b];
    }
  }
}

/**
 * C (n x m) = Y (n x l) M (l x m), all row-major. With `upper`, M is upper triangular
 * (M[a][c] = 0 for c < a) and those zeros are skipped.
 */
export function mulDense(Y: Float64Array, n: number, l: number, M: Float64Array, m: number, upper = false): Float64Array {
  const C = new Float64Array(n * m);
  mulDenseRows(Y, l, M, m, upper, C, 0, n);
  return C;
}

/** Rows [from, to) of C = Y M into C (each row depends on its own row of Y only). */
export function mulDenseRows(Y: Float64Array, l: number, M: Float64Array, m: number, upper: boolean, C: Float64Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const yo = i * l;
    const co = i * m;
    let a = 0;
    // four rows of M per pass over the output row
    for (; a + 3 < l; a += 4) {
      const v0 = Y[yo + a];
      const v1 = Y[yo + a + 1];
      const v2 = Y[yo + a + 2];
      const v3 = Y[yo + a + 3];
      const m0 = a * m;
      const m1 = m0 + m;
      const m2 = m1 + m;
      const m3 = m2 + m;
      const c0 = upper ? a : 0;
      for (let c = c0; c < m; c++) C[co + c] += v0 * M[m0 + c] + v1 * M[m1 + c] + v2 * M[m2 + c] + v3 * M[m3 + c];
    }
    for (; a < l; a++) {
      const v = Y[yo + a];
      const mo = a * m;
      for (let c = upper ? a : 0; c < m; c++) C[co + c] += v * M[mo + c];
    }
  }
}

/**
 * Eigen-decomposition of a symmetric matrix S (l x l) by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the matching eigenvectors as the columns of V (row-major).
 */
export function symEig(S: Float64Array, l: number, maxSweeps = 60): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(S);
  const V = new Float64Array(l * l);
  for (let i = 0; i < l; i++) V[i * l + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < l; p++) {
      diag += A[p * l + p] * A[p * l + p];
      for (let q = p + 1; q < l; q++) off += A[p * l + q] * A[p * l + q];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < l - 1; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = A[p * l + q];
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * l + p];
        const aqq = A[q * l + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // rotate rows/columns p and q of A
        for (let k = 0; k < l; k++) {
          const akp = A[k * l + p];
          const akq = A[k * l + q];
          A[k * l + p] = c * akp - s * akq;
          A[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = A[p * l + k];
          const aqk = A[q * l + k];
          A[p * l + k] = c * apk - s * aqk;
          A[q * l + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = V[k * l + p];
          const vkq = V[k * l + q];
          V[k * l + p] = c * vkp - s * vkq;
          V[k * l + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: l }, (_, i) => i).sort((a, b) => A[b * l + b] - A[a * l + a] || a - b);
  const values = new Float64Array(l);
  const vectors = new Float64Array(l * l);
  order.forEach((src, dst) => {
    values[dst] = A[src * l + src];
    // sign convention: the largest-magnitude entry of each eigenvector is positive
    let big = 0;
    for (let k = 0; k < l; k++) if (Math.abs(V[k * l + src]) > Math.abs(big)) big = V[k * l + src];
    const sg = big < 0 ? -1 : 1;
    for (let k = 0; k < l; k++) vectors[k * l + dst] = sg * V[k * l + src];
  });
  return { values, vectors };
}

/**
 * Upper-triangular R⁻¹ where G = RᵀR (Cholesky), or null when G is not safely positive definite.
 */
function choleskyInverse(G: Float64Array, l: number): Float64Array | null {
  const R = new Float64Array(l * l);
  let maxDiag = 0;
  for (let a = 0; a < l; a++) maxDiag = Math.max(maxDiag, G[a * l + a]);
  for (let j = 0; j < l; j++) {
    let d = G[j * l + j];
    for (let k = 0; k < j; k++) d -= R[k * l + j] * R[k * l + j];
    // a pivot this small means Y is (numerically) rank deficient: Cholesky QR would amplify noise
    if (!(d > maxDiag * 1e-10)) return null;
    const rjj = Math.sqrt(d);
    R[j * l + j] = rjj;
    for (let c = j + 1; c < l; c++) {
      let s = G[j * l + c];
      for (let k = 0; k < j; k++) s -= R[k * l + j] * R[k * l + c];
      R[j * l + c] = s / rjj;
    }
  }
  // invert the upper-triangular R by back substitution, column by column
  const Ri = new Float64Array(l * l);
  for (let c = 0; c < l; c++) {
    Ri[c * l + c] = 1 / R[c * l + c];
    for (let r = c - 1; r >= 0; r--) {
      let s = 0;
      for (let k = r + 1; k <= c; k++) s += R[r * l + k] * Ri[k * l + c];
      Ri[r * l + c] = -s / R[r * l + r];
    }
  }
  return Ri;
}

/**
 * Orthonormal basis of the column space of Y (n x l) by Cholesky QR (Q = Y R⁻¹). Its loss of
 * orthogonality grows with cond(Y)², so `passes: 2` repeats it on Q (CholeskyQR2: machine precision)
 * where that matters. When Y is rank deficient (tiny corpora), the slower eigen route, whose
 * negligible directions become zero columns.
 */
export function orthonormalize(Y: Float64Array, n: number, l: number, passes = 1, ops: DenseOps = ONE_THREAD): Float64Array {
  let Q = Y;
  for (let p = 0; p < passes; p++) {
    const G = ops.gram(Q, n, l);
    const Ri = choleskyInverse(G, l);
    ops.release?.(G);
    if (!Ri) return eigenOrthonormalize(Y, n, l, ops);
    const next = ops.mulDense(Q, n, l, Ri, l, true);
    // Y is the caller's; the intermediate bases are ours
    if (Q !== Y) ops.release?.(Q);
    Q = next;
  }
  return Q;
}

/** Q = Y W Λ^-1/2 from the eigen-decomposition of YᵀY; negligible directions become zero columns. */
export function eigenOrthonormalize(Y: Float64Array, n: number, l: number, ops: DenseOps = ONE_THREAD): Float64Array {
  const G = ops.gram(Y, n, l);
  const { values, vectors } = symEig(G, l);
  ops.release?.(G);
  const tol = Math.max(values[0], 0) * 1e-12;
  const M = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let c = 0; c < l; c++) M[a * l + c] = values[c] > tol ? vectors[a * l + c] / Math.sqrt(values[c]) : 0;
  }
  return ops.mulDense(Y, n, l, M, l);
}

export const ONE_THREAD: DenseOps = { csrMulDense, csrTMulDense, gram, mulDense };

/** A seeded ±1 matrix (row-major), the random test matrix of the range finder. */
function rademacher(size: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const m = new Float64Array(size);
  for (let i = 0; i < size; i++) m[i] = rng.sign();
  return m;
}

export interface SvdResult {
  /** right singular vectors, cols x k row-major (the projection term -> component) */
  components: Float64Array;
  singularValues: Float64Array;
  k: number;
}

/**
 * Truncated SVD of a sparse matrix by randomized range finding (Halko, Martinsson & Tropp 2011,
 * algorithm 4.4 with power iterations), followed by an exact eigen-decomposition of the small
 * projected problem. Returns the top-k right singular vectors.
 */
export function randomizedSvd(
  A: Csr,
  k: number,
  opts: { oversample?: number; powerIters?: number; seed?: number; onStep?: (step: string) => void; ops?: DenseOps } = {},
): SvdResult {
  const ops = opts.ops ?? ONE_THREAD;
  const rankCap = Math.min(A.rows, A.cols);
  k = Math.max(1, Math.min(k, rankCap));
  const l = Math.min(k + (opts.oversample ?? 16), rankCap);
  opts.onStep?.('sketch');
  const q = opts.powerIters ?? 2;
  // One Cholesky QR pass per basis: after a power iteration cond(AZ) is the spread of the top
  // singular values (10-100 for these corpora), so Q is orthonormal to ~1e-12, plenty for the
  // small SVD below. Intermediates are temporaries: at most a few n x l matrices live at once.
  // each intermediate is released once read for the last time (ops.release: see DenseOps)
  const basis = (Y: Float64Array, n: number, passes: number) => {
    const Q = orthonormalize(Y, n, l, passes, ops);
    if (Q !== Y) ops.release?.(Y);
    return Q;
  };
  let Q = basis(ops.csrMulDense(A, rademacher(A.cols * l, opts.seed ?? 42), l), A.rows, q === 0 ? 2 : 1);
  for (let it = 0; it < q; it++) {
    opts.onStep?.(`power iteration ${it + 1}`);
    const T = ops.csrTMulDense(A, Q, l);
    ops.release?.(Q);
    const Z = basis(T, A.cols, 1);
    const Y = ops.csrMulDense(A, Z, l);
    ops.release?.(Z);
    Q = basis(Y, A.rows, 1);
  }
  opts.onStep?.('small svd');
  // Bᵀ = Aᵀ Q (cols x l); B Bᵀ = (Bᵀ)ᵀ Bᵀ; its eigenvectors W give V = Bᵀ W Σ^-1.
  const Bt = ops.csrTMulDense(A, Q, l);
  ops.release?.(Q);
  const BBt = ops.gram(Bt, A.cols, l);
  const { values, vectors } = symEig(BBt, l);
  ops.release?.(BBt);
  const tol = Math.max(values[0], 0) * 1e-12;
  let kk = 0;
  while (kk < k && values[kk] > tol) kk++;
  kk = Math.max(kk, 1);
  const M = new Float64Array(l * kk);
  const sv = new Float64Array(kk);
  for (let c = 0; c < kk; c++) {
    sv[c] = Math.sqrt(Math.max(values[c], 0));
    for (let a = 0; a < l; a++) M[a * kk + c] = sv[c] > 0 ? vectors[a * l + c] / sv[c] : 0;
  }
  const product = ops.mulDense(Bt, A.cols, l, M, kk);
  ops.release?.(Bt);
  // the result is the caller's: off any shared buffer the ops recycle
  const components = ops.release ? Float64Array.from(product) : product;
  ops.release?.(product);
  // sign convention on the components themselves, so tiny numeric changes cannot flip them
  for (let c = 0; c < kk; c++) {
    let big = 0;
    for (let r = 0; r < A.cols; r++) if (Math.abs(components[r * kk + c]) > Math.abs(big)) big = components[r * kk + c];
    if (big < 0) for (let r = 0; r < A.cols; r++) components[r * kk + c] = -components[r * kk + c];
  }
  return { components, singularValues: sv, k: kk };
}

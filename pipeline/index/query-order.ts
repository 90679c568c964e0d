// The order the similar lists' searches visit the docs in. A search's cost is mostly memory reads of
// the graph's vectors and links; docs searched one after another in row order land in unrelated
// parts of the graph, so every search starts cold. Sorted by a locality-sensitive code (the signs of
// a few random projections), consecutive docs are near each other and their searches touch the
// nodes the previous ones left in cache. Only the order changes: each doc's list depends on its
// vector and the graph alone, so the lists are the same bytes.
import { Rng } from '../embedders/catalog/linalg.js';

/** Sign bits per doc: 2^16 buckets, a few dozen docs each at 10^6. */
export const ORDER_BITS = 16;
const ORDER_SEED = 0x5eed;

/**
 * The rows of `matrix` (n × dims, row-major) by their code (the sign of each of `bits` seeded random
 * projections, the first the most significant), rows of one code in row order. A permutation of
 * 0..n-1, on shared memory when `shared` (threads read it in place).
 */
export function localityOrder(matrix: Float32Array, dims: number, shared = false, bits = ORDER_BITS): Int32Array {
  if (bits < 1 || bits > 24) throw new RangeError(`localityOrder: bits ${bits} outside 1..24`);
  const n = matrix.length / dims;
  const rng = new Rng(ORDER_SEED);
  const planes = new Float32Array(bits * dims);
  for (let j = 0; j < planes.length; j++) planes[j] = rng.sign();
  const codes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * dims;
    let code = 0;
    for (let b = 0; b < bits; b++) {
      const plane = b * dims;
      let dot = 0;
      for (let x = 0; x < dims; x++) dot += planes[plane + x] * matrix[row + x];
      code = (code << 1) | (dot > 0 ? 1 : 0);
    }
    codes[i] = code;
  }
  // counting sort by code: linear, and stable, so a code's rows stay in row order
  const starts = new Int32Array((1 << bits) + 1);
  for (let i = 0; i < n; i++) starts[codes[i] + 1]++;
  for (let c = 0; c < 1 << bits; c++) starts[c + 1] += starts[c];
  const order = new Int32Array(shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) order[starts[codes[i]]++] = i;
  return order;
}

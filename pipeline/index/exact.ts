// Exact (brute-force) cosine search over unit vectors: the reference the HNSW index is measured against.

export interface Neighbour {
  /** row in the embedding matrix */
  row: number;
  /** cosine similarity */
  score: number;
}

/** The k rows with the highest dot product with `q` (rows and q unit length, so dot = cosine), best first. */
export function exactTopK(
  matrix: Float32Array,
  dims: number,
  q: Float32Array,
  k: number,
  exclude?: (row: number) => boolean,
): Neighbour[] {
  const n = matrix.length / dims;
  // bounded sorted list: k is small (<= 50) so insertion beats a heap
  const rows: number[] = [];
  const scores: number[] = [];
  for (let r = 0; r < n; r++) {
    if (exclude?.(r)) continue;
    let s = 0;
    const o = r * dims;
    for (let c = 0; c < dims; c++) s += matrix[o + c] * q[c];
    if (rows.length === k && s <= scores[k - 1]) continue;
    let i = rows.length === k ? k - 1 : rows.length;
    if (rows.length < k) {
      rows.push(r);
      scores.push(s);
    }
    while (i > 0 && scores[i - 1] < s) {
      rows[i] = rows[i - 1];
      scores[i] = scores[i - 1];
      i--;
    }
    rows[i] = r;
    scores[i] = s;
  }
  return rows.map((row, i) => ({ row, score: scores[i] }));
}

/** Row r of a packed matrix (a view, not a copy). */
export function rowOf(matrix: Float32Array, dims: number, r: number): Float32Array {
  return matrix.subarray(r * dims, (r + 1) * dims);
}

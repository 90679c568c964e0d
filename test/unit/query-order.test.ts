import { expect, test } from 'vitest';
import { Rng } from '../../pipeline/embedders/catalog/linalg.js';
import { localityOrder } from '../../pipeline/index/query-order.js';

const D = 32;

/** n unit vectors around 40 centres, each row's centre drawn at random (so row order says nothing). */
function clustered(n: number, seed: number): { matrix: Float32Array; centre: Int32Array } {
  const rng = new Rng(seed);
  const u = () => (rng.nextU32() / 2 ** 32) * 2 - 1;
  const centres = Array.from({ length: 40 }, () => Array.from({ length: D }, u));
  const matrix = new Float32Array(n * D);
  const centre = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    centre[i] = rng.nextU32() % 40;
    let norm = 0;
    for (let d = 0; d < D; d++) norm += (matrix[i * D + d] = centres[centre[i]][d] + 0.2 * u()) ** 2;
    for (let d = 0; d < D; d++) matrix[i * D + d] /= Math.sqrt(norm);
  }
  return { matrix, centre };
}

test('the locality order is a permutation of the rows, the same on every call, and on shared memory when asked', () => {
  const { matrix } = clustered(5000, 3);
  const a = localityOrder(matrix, D, true);
  expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(a.length).toBe(5000);
  expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  expect([...localityOrder(matrix, D)]).toEqual([...a]);
  expect(() => localityOrder(matrix, D, false, 0)).toThrow(RangeError);
});

test('docs next to each other in the locality order are far more alike than docs next to each other by row', () => {
  const { matrix, centre } = clustered(8000, 5);
  const order = localityOrder(matrix, D);
  const cos = (i: number, j: number) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += matrix[i * D + d] * matrix[j * D + d];
    return s;
  };
  let byRow = 0;
  let byOrder = 0;
  let sameCentreByRow = 0;
  let sameCentreByOrder = 0;
  for (let p = 1; p < 8000; p++) {
    byRow += cos(p - 1, p);
    byOrder += cos(order[p - 1], order[p]);
    if (centre[p - 1] === centre[p]) sameCentreByRow++;
    if (centre[order[p - 1]] === centre[order[p]]) sameCentreByOrder++;
  }
  // rows are drawn independently: about 1 in 40 neighbours by row share a centre
  expect(sameCentreByRow / 7999).toBeLessThan(0.05);
  expect(sameCentreByOrder / 7999).toBeGreaterThan(0.8);
  expect(byOrder / 7999).toBeGreaterThan(byRow / 7999 + 0.3);
});

// sortRowsYielding (service/catalog/tables.ts): the same order as one Array.prototype.sort, in slices.
import { expect, test } from 'vitest';
import { sortRowsYielding } from '../../service/catalog/tables.js';

test('sorts like one sort call, stable, at sizes around the run length', async () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 48271) % 2147483647) % 1000) | 0;
  for (const n of [0, 1, 5, 32767, 32768, 32769, 100_000, 131_073]) {
    const key = Int32Array.from({ length: n }, rand);
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    // a comparator with ties (keys repeat): stability keeps equal keys in row order
    const cmp = (a: number, b: number) => key[a] - key[b];
    const expected = Array.from(rows).sort(cmp);
    await sortRowsYielding(rows, cmp);
    expect(Array.from(rows), String(n)).toEqual(expected);
  }
});

import { describe, expect, it } from 'vitest';
import { distance } from 'fastest-levenshtein';
import { Suggester, trigrams } from '../../service/normalize/fuzzy.js';
import { namesOf, Utf8Strings } from '../../pipeline/catalog-columns/strings.js';
import { normalizeKey } from '../../service/normalize/text.js';

const TITLES = ['Toy Story', 'Toy Story 2', 'Toy Story 3', 'The Godfather', 'The Godfather: Part II', 'Amélie', 'Jumanji', 'Heat', 'Hamlet', 'Casino'];

describe('Suggester', () => {
  const s = new Suggester(TITLES);

  it('puts the intended name first for typos, case and accent differences', () => {
    expect(s.suggest('Toy Stroy')[0]).toBe('Toy Story');
    expect(s.suggest('godfater')[0]).toBe('The Godfather');
    expect(s.suggest('AMELIA')[0]).toBe('Amélie');
    expect(s.suggest('jumanj')[0]).toBe('Jumanji');
  });
  it('returns at most `limit` names and nothing for garbage', () => {
    expect(s.suggest('toy story', 2)).toHaveLength(2);
    expect(s.suggest('zzzzqqqq')).toEqual([]);
    expect(s.suggest('')).toEqual([]);
  });
  it('merges names with the same key and breaks ties by weight', () => {
    const w = new Suggester(['Heat', 'HEAT', 'Beat', 'Meat'], (n) => (n === 'Meat' ? 10 : 1));
    expect(w.size).toBe(3);
    expect(w.suggest('Zeat').slice(0, 2)).toEqual(['Meat', 'Heat']);
  });
  it('offers a name as close (by edit distance) as the brute-force closest among its suggestions', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `Movie ${i.toString(36)} of the ${['night', 'day', 'year', 'west'][i % 4]}`);
    const big = new Suggester(names);
    for (const q of ['Movie 1a of the nigth', 'movie zz of the day', 'Movi 2b of te year']) {
      const best = names.reduce((a, b) => (distance(normalizeKey(q), normalizeKey(b)) < distance(normalizeKey(q), normalizeKey(a)) ? b : a));
      const offered = big.suggest(q).map((n) => distance(normalizeKey(q), normalizeKey(n)));
      expect(Math.min(...offered)).toBe(distance(normalizeKey(q), normalizeKey(best)));
    }
  });
  it('finds the brute-force closest names in a set large enough for the flat trigram table, non-ASCII names included', async () => {
    const first = ['Anna', 'Björn', 'Chidi', 'Dagný', 'Émile', 'Fatima', 'Gonzalo', 'Hiroshi', 'Ингрид', 'José'];
    const last = Array.from({ length: 7000 }, (_, i) => `${['Sm', 'Ló', 'Ng', 'Öz', 'Kw'][i % 5]}${i.toString(36)}son`);
    const names = first.flatMap((f) => last.map((l) => `${f} ${l}`));
    expect(names.length).toBeGreaterThan(50_000);
    const big = await Suggester.buildDistinct(namesOf(names), new Float64Array(names.length));
    expect(big.size).toBe(names.length);
    for (const q of ['Bjorn Lo2bson', 'emile ng3kson', 'Ингрид Kw1son', 'Hiroshii Oz4ason', 'jose sm2son']) {
      const key = normalizeKey(q);
      const closest = names.reduce((m, n) => Math.min(m, distance(key, normalizeKey(n))), Infinity);
      const offered = big.suggest(q).map((n) => distance(key, normalizeKey(n)));
      expect(offered.length).toBeGreaterThan(0);
      expect(Math.min(...offered)).toBe(closest);
    }
  });
  it('suggests the same over names read by position (UTF-8 bytes, not copied) as over an array', async () => {
    const names = Array.from({ length: 6000 }, (_, i) => `${['Zoë', 'Ölaf', 'Heat', 'HEAT'][i % 4]} ${i % 1500} ${['Ингрид', 'night'][i % 2]}`);
    const bytes = Utf8Strings.from(names);
    expect(bytes.length).toBe(names.length);
    expect(names.every((n, i) => bytes.get(i) === n)).toBe(true);
    const weight = (_: string, i: number) => i % 7;
    const over = await Suggester.buildOver(bytes, weight);
    const copied = await Suggester.build(names, weight);
    expect(over.size).toBe(copied.size);
    for (const q of ['zoe 12 ingrid', 'olaf 7 nigth', 'heat 1499 night', 'Heat 3']) expect(over.suggest(q, 5)).toEqual(copied.suggest(q, 5));
  });
  it('trigrams are padded so short keys have some', () => {
    expect([...trigrams('up')]).toEqual(['  u', ' up', 'up ']);
  });
});

// Varies the people inside cast/crew literals by targeted replacement on the literal text
// (no full parse needed): each person entry is `'gender': g, 'id': n, ['job': '...', ]'name': '...'`.
import { hash32 } from './prng.js';
import { PY_STR, pyRepr } from './pystr.js';
import type { NamePools } from './sources.js';

export const PERSON_RE = new RegExp(String.raw`'gender': (\d+), 'id': (\d+), ('job': (?:${PY_STR}), )?'name': (${PY_STR})`, 'g');

/** Synthetic people get ids above every real TMDB person id. */
const VARIANT_ID_STRIDE = 10_000_000;

/**
 * Each real person p becomes `variants` people: variant 0 is the real person (real name and id);
 * variant k > 0 is a new person (id k*1e7+p, a recombined first + last name of the same gender).
 * Within one movie a person keeps one variant, so someone who both acts and directs still does.
 */
export class PeopleVarier {
  constructor(
    private readonly pools: NamePools,
    private readonly seed: number,
    readonly variants: number,
  ) {}

  name(personId: number, variant: number, gender: string): string {
    const h = hash32(this.seed, personId, variant);
    const firsts = this.pools.first[gender] ?? this.pools.first['0'];
    const last = this.pools.last[hash32(h, 1) % this.pools.last.length];
    return `${firsts[h % firsts.length]} ${last}`;
  }

  vary(literal: string, movieKey: number): string {
    if (this.variants <= 1) return literal;
    return literal.replace(PERSON_RE, (whole, gender: string, id: string, job: string | undefined) => {
      const p = Number(id);
      const k = hash32(this.seed, movieKey, p) % this.variants;
      if (k === 0) return whole;
      return `'gender': ${gender}, 'id': ${k * VARIANT_ID_STRIDE + p}, ${job ?? ''}'name': ${pyRepr(this.name(p, k, gender))}`;
    });
  }
}

// Synthetic titles and collections made from the words of real titles.
import type { Rng } from './prng.js';
import { pyRepr } from './pystr.js';

const ROMAN: [number, string][] = [
  [1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'],
  [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I'],
];

export function roman(n: number): string {
  let out = '';
  for (const [v, s] of ROMAN) {
    while (n >= v) {
      out += s;
      n -= v;
    }
  }
  return out;
}

const SUFFIXES = [': The Beginning', ' Returns', ': Reloaded', ' Forever', ': The Return', ': Redux', ' Rising', ': Origins', ' Again'];

export class TitleMaker {
  constructor(
    private readonly rng: Rng,
    private readonly titles: readonly string[],
  ) {}

  /** A real title now and then (remakes share titles), else the head of one real title + the tail of another. */
  make(): string {
    const { rng } = this;
    if (rng.chance(0.04)) return rng.pick(this.titles);
    const a = rng.pick(this.titles).split(' ');
    const b = rng.pick(this.titles).split(' ');
    const head = a.slice(0, Math.max(1, Math.ceil(a.length / 2)));
    const tail = b.length === 1 ? b : b.slice(Math.floor(b.length / 2));
    let title = [...head, ...tail].join(' ');
    if (rng.chance(0.08)) title += rng.chance(0.6) ? ` ${roman(rng.range(2, 6))}` : rng.pick(SUFFIXES);
    return title;
  }
}

interface Collection {
  id: number;
  name: string;
  baseTitle: string;
  size: number;
  members: number;
  /** `'poster_path': ..., 'backdrop_path': ...}` taken from a real collection literal */
  rest: string;
}

/** Sizes of synthetic collections: mostly pairs and trilogies, a few long series. */
const SIZE_WEIGHTS = [0, 0, 45, 22, 12, 7, 5, 3, 2, 1, 1, 0.5, 0.5, 0.3, 0.3, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1];

const FIRST_COLLECTION_ID = 900_000;

/** Hands out collection memberships; members after the first get sequel titles ("<base> II"). */
export class CollectionMaker {
  private readonly open: Collection[] = [];
  private nextId = FIRST_COLLECTION_ID;
  count = 0;

  constructor(private readonly rng: Rng) {}

  /** Returns the title and the literal for a movie joining a collection. */
  join(makeTitle: () => string, realLiteral: string): { title: string; literal: string } {
    const { rng } = this;
    let c: Collection;
    if (this.open.length > 0 && rng.chance(0.7)) {
      c = this.open[rng.int(this.open.length)];
    } else {
      const baseTitle = makeTitle();
      const rest = /'poster_path':.*$/s.exec(realLiteral)?.[0] ?? "'poster_path': None, 'backdrop_path': None}";
      c = { id: this.nextId++, name: `${baseTitle} Collection`, baseTitle, size: rng.weighted(SIZE_WEIGHTS), members: 0, rest };
      this.open.push(c);
      this.count++;
    }
    c.members++;
    if (c.members >= c.size) this.open.splice(this.open.indexOf(c), 1);
    const title = c.members === 1 ? c.baseTitle : rng.chance(0.8) ? `${c.baseTitle} ${roman(c.members)}` : `${c.baseTitle} ${c.members}`;
    return { title, literal: `{'id': ${c.id}, 'name': ${pyRepr(c.name)}, ${c.rest}` };
  }
}

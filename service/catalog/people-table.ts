// Actors and directors of a catalog version as typed arrays indexed by person: at 10^6 synthetic
// movies there are 3.6 million distinct names, too many for an object (and a Map entry) each.
// A person is a normalized name (normalizeKey); the cast and crew dictionaries of the catalog
// columns map onto persons once per distinct spelling, then every credit is an array lookup.
import type { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import type { Utf8Strings } from '../../pipeline/catalog-columns/strings.js';
import { nextTurn } from '../../pipeline/runtime/turns.js';
import { keyHash, normalizeKey } from '../normalize/text.js';

export interface PeopleTable {
  /** normalized name -> person */
  persons: PersonIndex;
  /** per person: the name as first credited in cast (actorName) and among directors (directorName), '' when never */
  actorName(p: number): string;
  directorName(p: number): string;
  /** per person, as an actor: films (those they directed excluded), their total return, how many with a known return, films excluded for being theirs */
  actorFilms: Int32Array;
  actorReturn: Float64Array;
  actorKnownReturn: Int32Array;
  actorDirectedExcluded: Int32Array;
  /** per person: the rows they directed, oldest first (empty when none), and their total return */
  directedRows(p: number): Int32Array;
  directorReturn(p: number): number;
  /** persons in the order first credited in cast / as director (the suggesters' order) */
  actorsInOrder: Int32Array;
  directorsInOrder: Int32Array;
  moviesWithCredits: number;
}

const CHUNK = 8192;

/**
 * Normalized name -> person, as open addressing over typed arrays: a Map here held millions of
 * entries and key strings (hundreds of MB at 10^6 movies, and most of the time of a load). A slot
 * holds a person; a person's key is not kept but compared through its first spelling when a probe
 * meets its hash, so equal hashes of different keys are told apart. Spellings are codes into two
 * dictionaries (the cast's, then the directors' after them), hashed from their UTF-8 bytes.
 */
export class PersonIndex {
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** per person (at most one per spelling, so `capacity` of them): its key's hash and first spelling's code */
  private readonly hashes: Uint32Array;
  private readonly firsts: Int32Array;
  private count = 0;

  constructor(
    private readonly first: Utf8Strings,
    private readonly second: Utf8Strings,
  ) {
    const capacity = first.length + second.length;
    this.hashes = new Uint32Array(capacity);
    this.firsts = new Int32Array(capacity);
    let size = 1024;
    // load factor at most 2/3 even if every spelling were its own person (about 0.46 at 10^6 movies)
    while (size < capacity * 1.5) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The person of a normalized key, or -1. */
  get(key: string): number {
    const h = keyHash(key);
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const p = this.slots[i];
      if (p < 0) return -1;
      if (this.hashes[p] === h && normalizeKey(this.spelling(this.firsts[p])) === key) return p;
    }
  }

  /** The person of spelling `code` (added when new), or -1 when its name normalizes to nothing. */
  add(code: number): number {
    const dict = this.dictOf(code);
    const at = this.indexOf(code);
    const h = dict.keyHashAt(at);
    if (h < 0) return -1;
    let i = h & this.mask;
    for (; ; i = (i + 1) & this.mask) {
      const p = this.slots[i];
      if (p < 0) break;
      if (this.hashes[p] !== h) continue;
      const f = this.firsts[p];
      if (this.dictOf(f).sameKey(this.indexOf(f), dict, at)) return p;
    }
    if (this.count === this.hashes.length) throw new Error('PersonIndex: more persons than its capacity');
    const p = this.count++;
    this.hashes[p] = h;
    this.firsts[p] = code;
    this.slots[i] = p;
    return p;
  }

  private spelling(code: number): string {
    return this.dictOf(code).get(this.indexOf(code));
  }

  /** A spelling code's dictionary and its index there. */
  private dictOf(code: number): Utf8Strings {
    return code < this.first.length ? this.first : this.second;
  }
  private indexOf(code: number): number {
    return code < this.first.length ? code : code - this.first.length;
  }
}

/** Person of each spelling of one dictionary, whose codes in `persons` start at `base` (-1 for names that normalize to nothing). */
async function personsOf(length: number, base: number, persons: PersonIndex): Promise<Int32Array> {
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    if (i % CHUNK === CHUNK - 1) await nextTurn();
    out[i] = persons.add(base + i);
  }
  return out;
}

export async function buildPeopleTable(movies: MovieColumns, byDate: (a: number, b: number) => number): Promise<PeopleTable> {
  const cast = movies.lists.cast;
  const crew = movies.lists.directors;
  // spelling codes: the cast dictionary's, then the directors' after them
  const C = cast.values.length;
  const persons = new PersonIndex(cast.values, crew.values);
  const castPerson = await personsOf(C, 0, persons);
  const crewPerson = await personsOf(crew.values.length, C, persons);
  const P = persons.size;
  const actorFilms = new Int32Array(P);
  const actorReturn = new Float64Array(P);
  const actorKnownReturn = new Int32Array(P);
  const actorDirectedExcluded = new Int32Array(P);
  // first credit of each person in cast, as a dictionary code (+1; 0 = never)
  const actorCode = new Int32Array(P);
  const actorsInOrder = new Int32Array(P);
  let actors = 0;
  // Directors are a few of the persons (0.3 of 3.9 million at 10^6 movies): their fields are
  // indexed by director, numbered in the order first credited, each person holding its number
  // (+1; 0 = never directed). A director has a crew spelling of their own, so there are at most
  // as many as crew spellings.
  const directorOfPerson = new Int32Array(P);
  const D = crew.values.length;
  const directorPerson = new Int32Array(D);
  const directorCode = new Int32Array(D);
  const directorCount = new Int32Array(D);
  const directorReturn = new Float64Array(D);
  let directors = 0;
  // a credit repeated in one film counts once: compared with the row's earlier credits (a few,
  // already in cache) rather than stamped in a per-person array (a cache miss per credit)
  const repeats = (personOf: Int32Array, codes: Int32Array, from: number, i: number, p: number): boolean => {
    for (let j = from; j < i; j++) if (personOf[codes[j]] === p) return true;
    return false;
  };
  let moviesWithCredits = 0;
  const n = movies.length;
  for (let row = 0; row < n; row++) {
    if (row % CHUNK === CHUNK - 1) await nextTurn();
    if (movies.hasCredits(row)) moviesWithCredits++;
    const ret = movies.returnRatio[row];
    const crewFrom = crew.offsets[row];
    const crewTo = crew.offsets[row + 1];
    for (let i = crewFrom; i < crewTo; i++) {
      const p = crewPerson[crew.codes[i]];
      if (p < 0 || repeats(crewPerson, crew.codes, crewFrom, i, p)) continue;
      if (directorOfPerson[p] === 0) {
        directorPerson[directors] = p;
        directorCode[directors] = crew.codes[i];
        directorOfPerson[p] = ++directors;
      }
      const d = directorOfPerson[p] - 1;
      directorCount[d]++;
      directorReturn[d] += ret;
    }
    const castFrom = cast.offsets[row];
    for (let i = castFrom; i < cast.offsets[row + 1]; i++) {
      const p = castPerson[cast.codes[i]];
      if (p < 0 || repeats(castPerson, cast.codes, castFrom, i, p)) continue;
      if (actorCode[p] === 0) {
        actorCode[p] = cast.codes[i] + 1;
        actorsInOrder[actors++] = p;
      }
      if (repeats(crewPerson, crew.codes, crewFrom, crewTo, p)) {
        actorDirectedExcluded[p]++;
        continue;
      }
      actorFilms[p]++;
      actorReturn[p] += ret;
      if (ret > 0) actorKnownReturn[p]++;
    }
  }
  // films directed, CSR: rows in row order, then each person's slice sorted oldest first
  const directorStart = new Int32Array(directors + 1);
  for (let d = 0; d < directors; d++) directorStart[d + 1] = directorStart[d] + directorCount[d];
  const fill = directorStart.slice(0, directors);
  const directorRows = new Int32Array(directorStart[directors]);
  for (let row = 0; row < n; row++) {
    if (row % CHUNK === CHUNK - 1) await nextTurn();
    const from = crew.offsets[row];
    for (let i = from; i < crew.offsets[row + 1]; i++) {
      const p = crewPerson[crew.codes[i]];
      if (p >= 0 && !repeats(crewPerson, crew.codes, from, i, p)) directorRows[fill[directorOfPerson[p] - 1]++] = row;
    }
  }
  for (let d = 0; d < directors; d++) {
    if (d % CHUNK === CHUNK - 1) await nextTurn();
    if (directorCount[d] > 1) directorRows.subarray(directorStart[d], directorStart[d + 1]).sort(byDate);
  }
  const kept = { code: directorCode.slice(0, directors), total: directorReturn.slice(0, directors) };
  const none = new Int32Array(0);
  return {
    persons,
    actorName: (p) => (actorCode[p] > 0 ? cast.values.get(actorCode[p] - 1) : ''),
    directorName: (p) => (directorOfPerson[p] > 0 ? crew.values.get(kept.code[directorOfPerson[p] - 1]) : ''),
    actorFilms,
    actorReturn,
    actorKnownReturn,
    actorDirectedExcluded,
    directedRows: (p) => {
      const d = directorOfPerson[p] - 1;
      return d < 0 ? none : directorRows.subarray(directorStart[d], directorStart[d + 1]);
    },
    directorReturn: (p) => (directorOfPerson[p] > 0 ? kept.total[directorOfPerson[p] - 1] : 0),
    actorsInOrder: actorsInOrder.slice(0, actors),
    directorsInOrder: directorPerson.slice(0, directors),
    moviesWithCredits,
  };
}

/** The person of a name asked for as an actor, or -1 when no cast credits it. */
export function actorOf(t: PeopleTable, name: string): number {
  const p = t.persons.get(normalizeKey(name));
  return p >= 0 && t.actorName(p) !== '' ? p : -1;
}

/** The person of a name asked for as a director, or -1 when no film has them as director. */
export function directorOf(t: PeopleTable, name: string): number {
  const p = t.persons.get(normalizeKey(name));
  return p >= 0 && t.directedRows(p).length > 0 ? p : -1;
}

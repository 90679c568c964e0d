// Actors and directors of a catalog version as typed arrays indexed by person: at 10^6 synthetic
// movies there are 3.6 million distinct names, too many for an object (and a Map entry) each.
// A person is a normalized name (normalizeKey); the cast and crew dictionaries of the catalog
// columns map onto persons once per distinct spelling, then every credit is an array lookup.
import type { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import { normalizeKey } from '../normalize/text.js';

export interface PeopleTable {
  /** normalized name -> person */
  byKey: Map<string, number>;
  /** per person: the name as first credited in cast (actorName) and among directors (directorName), '' when never */
  actorName: string[];
  directorName: string[];
  /** per person, as an actor: films (those they directed excluded), their total return, how many with a known return, films excluded for being theirs */
  actorFilms: Int32Array;
  actorReturn: Float64Array;
  actorKnownReturn: Int32Array;
  actorDirectedExcluded: Int32Array;
  /** per person: the rows they directed, oldest first, at directorRows[directorStart[p] .. directorStart[p + 1]) */
  directorStart: Int32Array;
  directorRows: Int32Array;
  directorReturn: Float64Array;
  /** persons in the order first credited in cast / as director (the suggesters' order) */
  actorsInOrder: Int32Array;
  directorsInOrder: Int32Array;
  moviesWithCredits: number;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const CHUNK = 8192;

/** Person of each dictionary spelling (-1 for names that normalize to nothing). */
async function personsOf(values: readonly string[], byKey: Map<string, number>): Promise<Int32Array> {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (i % CHUNK === CHUNK - 1) await yieldToLoop();
    const key = normalizeKey(values[i]);
    if (!key) {
      out[i] = -1;
      continue;
    }
    let p = byKey.get(key);
    if (p === undefined) byKey.set(key, (p = byKey.size));
    out[i] = p;
  }
  return out;
}

export async function buildPeopleTable(movies: MovieColumns, byDate: (a: number, b: number) => number): Promise<PeopleTable> {
  const cast = movies.lists.cast;
  const crew = movies.lists.directors;
  const byKey = new Map<string, number>();
  const castPerson = await personsOf(cast.values, byKey);
  const crewPerson = await personsOf(crew.values, byKey);
  const P = byKey.size;
  const actorFilms = new Int32Array(P);
  const actorReturn = new Float64Array(P);
  const actorKnownReturn = new Int32Array(P);
  const actorDirectedExcluded = new Int32Array(P);
  const directorCount = new Int32Array(P);
  const directorReturn = new Float64Array(P);
  // first credit of each person, as a dictionary code (+1; 0 = never)
  const actorCode = new Int32Array(P);
  const directorCode = new Int32Array(P);
  const actorsInOrder: number[] = [];
  const directorsInOrder: number[] = [];
  // per person: the last row (+1) it was counted in, as actor / as director (a credit repeated in one film counts once)
  const seenAsActor = new Int32Array(P);
  const seenAsDirector = new Int32Array(P);
  let moviesWithCredits = 0;
  const n = movies.length;
  for (let row = 0; row < n; row++) {
    if (row % CHUNK === CHUNK - 1) await yieldToLoop();
    if (movies.hasCredits(row)) moviesWithCredits++;
    const ret = movies.returnRatio[row];
    const stamp = row + 1;
    for (let i = crew.offsets[row]; i < crew.offsets[row + 1]; i++) {
      const p = crewPerson[crew.codes[i]];
      if (p < 0 || seenAsDirector[p] === stamp) continue;
      seenAsDirector[p] = stamp;
      if (directorCode[p] === 0) {
        directorCode[p] = crew.codes[i] + 1;
        directorsInOrder.push(p);
      }
      directorCount[p]++;
      directorReturn[p] += ret;
    }
    for (let i = cast.offsets[row]; i < cast.offsets[row + 1]; i++) {
      const p = castPerson[cast.codes[i]];
      if (p < 0 || seenAsActor[p] === stamp) continue;
      seenAsActor[p] = stamp;
      if (actorCode[p] === 0) {
        actorCode[p] = cast.codes[i] + 1;
        actorsInOrder.push(p);
      }
      if (seenAsDirector[p] === stamp) {
        actorDirectedExcluded[p]++;
        continue;
      }
      actorFilms[p]++;
      actorReturn[p] += ret;
      if (ret > 0) actorKnownReturn[p]++;
    }
  }
  // films directed, CSR: rows in row order, then each person's slice sorted oldest first
  const directorStart = new Int32Array(P + 1);
  for (let p = 0; p < P; p++) directorStart[p + 1] = directorStart[p] + directorCount[p];
  const fill = directorStart.slice(0, P);
  const directorRows = new Int32Array(directorStart[P]);
  seenAsDirector.fill(0);
  for (let row = 0; row < n; row++) {
    for (let i = crew.offsets[row]; i < crew.offsets[row + 1]; i++) {
      const p = crewPerson[crew.codes[i]];
      if (p < 0 || seenAsDirector[p] === row + 1) continue;
      seenAsDirector[p] = row + 1;
      directorRows[fill[p]++] = row;
    }
  }
  for (let p = 0; p < P; p++) if (directorCount[p] > 1) directorRows.subarray(directorStart[p], directorStart[p + 1]).sort(byDate);
  const names = (codes: Int32Array, values: readonly string[]) => Array.from(codes, (c) => (c > 0 ? values[c - 1] : ''));
  return {
    byKey,
    actorName: names(actorCode, cast.values),
    directorName: names(directorCode, crew.values),
    actorFilms,
    actorReturn,
    actorKnownReturn,
    actorDirectedExcluded,
    directorStart,
    directorRows,
    directorReturn,
    actorsInOrder: Int32Array.from(actorsInOrder),
    directorsInOrder: Int32Array.from(directorsInOrder),
    moviesWithCredits,
  };
}

/** The person of a name asked for as an actor, or -1 when no cast credits it. */
export function actorOf(t: PeopleTable, name: string): number {
  const p = t.byKey.get(normalizeKey(name));
  return p !== undefined && t.actorName[p] !== '' ? p : -1;
}

/** The person of a name asked for as a director, or -1 when no film has them as director. */
export function directorOf(t: PeopleTable, name: string): number {
  const p = t.byKey.get(normalizeKey(name));
  return p !== undefined && t.directorName[p] !== '' ? p : -1;
}

import type { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import { namesAt } from '../../pipeline/catalog-columns/strings.js';
import { LateSuggester, Suggester, type Suggestions } from '../normalize/fuzzy.js';
import { CodeNames, isoWeekday } from '../normalize/intl.js';
import { keyHash, normalizeKey } from '../normalize/text.js';
import { buildPeopleTable, type PeopleTable } from './people-table.js';
import { nextTurn } from '../../pipeline/runtime/turns.js';

// Tables refer to movies by their row in the catalog's columns (MovieColumns): lists are Int32Arrays
// of rows, not arrays of objects, so a million-movie catalog stays a few large buffers.

export interface CollectionStats {
  id: number;
  name: string;
  /** rows, oldest first */
  movies: Int32Array;
  totalRevenue: number;
}

export interface CompanyStats {
  name: string;
  count: number;
  totalRevenue: number;
}

/**
 * Everything a query needs, computed once per catalog version so that each RPC is a lookup.
 * Maps are keyed by normalizeKey() of the name.
 */
export interface CatalogTables {
  /** rows sorted by (hash of the title key, release date, id): see rowsTitled */
  titleHashes: Uint32Array;
  titleRows: Int32Array;
  titleSuggester: Suggestions;
  /** index 1-12 -> rows released in that month, most popular first */
  byMonth: Int32Array[];
  /** index 1-7 (ISO, 1 = Monday) -> rows released on that weekday, most popular first */
  byWeekday: Int32Array[];
  /** actors and directors (service/catalog/people-table.ts) */
  people: PeopleTable;
  actorSuggester: Suggestions;
  directorSuggester: Suggestions;
  /** original language code -> movies */
  languageCounts: Map<string, number>;
  languages: CodeNames;
  languageSuggester: Suggester;
  /** production country code -> movies */
  countryCounts: Map<string, number>;
  countries: CodeNames;
  countrySuggester: Suggester;
  /** collection name key (and the key without a trailing "collection") -> stats */
  collections: Map<string, CollectionStats>;
  collectionSuggester: Suggester;
  companies: Map<string, CompanyStats>;
  companySuggester: Suggester;
  moviesWithCredits: number;
  /**
   * Builds the title, actor and director suggesters when buildTables left them for later (large
   * catalogs); resolves at once otherwise. Safe to call more than once.
   */
  completeSuggesters(): Promise<void>;
}

/**
 * From this many movies on, a first load leaves the title, actor and director suggesters (over
 * 10^6 titles and 3.6 x 10^6 names at 10^6 movies: half of the tables' time) to be built after
 * the version is served; below it they are built before, as everything else.
 */
export const LATE_SUGGESTERS_FROM = 250_000;

export interface TableOptions {
  /** leave the big suggesters to completeSuggesters() from this many movies on (default LATE_SUGGESTERS_FROM) */
  lateSuggestersFrom?: number;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Tables are built on the serving thread while calls go on against the old version: yield to the
 * event loop every CHUNK movies/names so a load delays calls by milliseconds, not seconds.
 */
const CHUNK = 4096;


/** Row orders every table shares: by release date (then id), by popularity (then id). */
export class RowOrder {
  /** per release-date dictionary code: its rank among the dates */
  readonly dateRank: Int32Array;
  constructor(private readonly movies: MovieColumns) {
    const dates = movies.releaseDates.values.toArray();
    const order = dates.map((_, i) => i).sort((a, b) => (dates[a] < dates[b] ? -1 : dates[a] > dates[b] ? 1 : 0));
    this.dateRank = new Int32Array(dates.length);
    order.forEach((code, rank) => (this.dateRank[code] = rank));
  }
  readonly byDate = (a: number, b: number): number => {
    const c = this.movies.releaseDates.codes;
    return this.dateRank[c[a]] - this.dateRank[c[b]] || this.movies.id[a] - this.movies.id[b];
  };
  readonly byPopularity = (a: number, b: number): number => {
    const m = this.movies;
    return m.popularity[b] - m.popularity[a] || m.id[a] - m.id[b];
  };
}

/** Rows whose normalized title is `key`, oldest first. */
export function rowsTitled(movies: MovieColumns, tables: CatalogTables, key: string): number[] {
  const h = keyHash(key);
  const hs = tables.titleHashes;
  let lo = 0;
  let hi = hs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (hs[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < hs.length && hs[i] === h; i++) {
    const row = tables.titleRows[i];
    if (normalizeKey(movies.title(row)) === key) out.push(row);
  }
  return out;
}

function sortedRows(rows: number[], cmp: (a: number, b: number) => number): Int32Array {
  return Int32Array.from(rows).sort(cmp);
}

function allRows(n: number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}

const SORT_RUN = 1 << 15;

/**
 * Sorts in place like `rows.sort(cmp)` (stable), but as sorted runs of SORT_RUN merged pairwise,
 * yielding to the event loop between steps: a million rows sorted at once would stall calls for seconds.
 */
export async function sortRowsYielding(rows: Int32Array, cmp: (a: number, b: number) => number): Promise<void> {
  const n = rows.length;
  for (let from = 0; from < n; from += SORT_RUN) {
    rows.subarray(from, Math.min(n, from + SORT_RUN)).sort(cmp);
    await nextTurn();
  }
  let src: Int32Array = rows;
  let dst: Int32Array = new Int32Array(n);
  for (let width = SORT_RUN; width < n; width *= 2) {
    let k = 0;
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      while (i < mid && j < hi) {
        dst[k++] = cmp(src[j], src[i]) < 0 ? src[j++] : src[i++];
        if ((k & (SORT_RUN - 1)) === 0) await nextTurn();
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  if (src !== rows) rows.set(src);
}

export async function buildTables(movies: MovieColumns, opts: TableOptions = {}): Promise<CatalogTables> {
  const late = movies.length >= (opts.lateSuggestersFrom ?? LATE_SUGGESTERS_FROM);
  const n = movies.length;
  const order = new RowOrder(movies);
  const hashes = new Uint32Array(n);
  for (let row = 0; row < n; row++) {
    if (row % CHUNK === CHUNK - 1) await nextTurn();
    hashes[row] = movies.titleKeyHash(row);
  }
  const titleRows = allRows(n);
  await sortRowsYielding(titleRows, (a, b) => hashes[a] - hashes[b] || order.byDate(a, b));
  const titleHashes = new Uint32Array(n);
  for (let i = 0; i < n; i++) titleHashes[i] = hashes[titleRows[i]];
  // every row, most popular first: the months' and weekdays' order, and the title suggester's
  const byPopularity = allRows(n);
  await sortRowsYielding(byPopularity, order.byPopularity);

  // months and weekdays per distinct date, then rows by month / weekday
  const dates = movies.releaseDates;
  const monthOf = new Int8Array(dates.values.length);
  const weekdayOf = new Int8Array(dates.values.length);
  dates.values.toArray().forEach((d, code) => {
    if (!DATE_RE.test(d)) return;
    monthOf[code] = Number(d.slice(5, 7));
    weekdayOf[code] = isoWeekday(d);
  });
  // rows taken in popularity order are already sorted within each month and weekday
  const months: number[][] = Array.from({ length: 13 }, () => []);
  const weekdays: number[][] = Array.from({ length: 8 }, () => []);
  for (let i = 0; i < n; i++) {
    if (i % CHUNK === CHUNK - 1) await nextTurn();
    const row = byPopularity[i];
    const code = dates.codes[row];
    if (monthOf[code] > 0) months[monthOf[code]]?.push(row);
    if (weekdayOf[code] > 0) weekdays[weekdayOf[code]]?.push(row);
  }
  const byMonth = months.map((rows) => Int32Array.from(rows));
  const byWeekday = weekdays.map((rows) => Int32Array.from(rows));
  await nextTurn();

  const languageCounts = new Map<string, number>();
  const perLanguage = new Int32Array(movies.languages.values.length);
  for (let row = 0; row < n; row++) perLanguage[movies.languages.codes[row]]++;
  movies.languages.values.toArray().forEach((code, i) => {
    if (code && perLanguage[i] > 0) languageCounts.set(code, (languageCounts.get(code) ?? 0) + perLanguage[i]);
  });
  const { countryCounts, countryNames, spokenNames } = await regions(movies);

  // the most popular spelling of a title is the one shown (the suggester keeps a key's first name)
  const titleSuggester = new LateSuggester(() =>
    Suggester.buildOver(namesAt({ length: n, get: (row) => movies.title(row) }, byPopularity), (_, i) => movies.popularity[byPopularity[i]]),
  );
  const people = await buildPeople(movies, order);
  const lateOnes = [titleSuggester, people.actorSuggester, people.directorSuggester];
  let completing: Promise<void> | null = null;
  const completeSuggesters = () =>
    (completing ??= (async () => {
      for (const l of lateOnes) await l.complete();
    })());
  if (!late) await completeSuggesters();
  const languages = new CodeNames('language', languageCounts, spokenNames);
  const countries = new CodeNames('region', countryCounts, countryNames);
  await nextTurn();
  const groups = await buildGroups(movies, order);

  return {
    titleHashes,
    titleRows,
    titleSuggester,
    byMonth,
    byWeekday,
    ...people,
    languageCounts,
    languages,
    languageSuggester: await Suggester.build(languages.suggestionNames),
    countryCounts,
    countries,
    countrySuggester: await Suggester.build(countries.suggestionNames),
    ...groups,
    completeSuggesters,
  };
}

/** Production countries (counted once per movie, by upper-case code) and the names of spoken languages. */
async function regions(movies: MovieColumns) {
  const countryCounts = new Map<string, number>();
  const countryNames = new Map<string, string[]>();
  const spokenNames = new Map<string, string[]>();
  const cc = movies.lists.production_country_codes;
  const cn = movies.lists.production_country_names;
  const upper = cc.values.toArray().map((c) => c.toUpperCase());
  const pairs = new Set<number>();
  const seen = new Set<string>();
  for (let row = 0; row < movies.length; row++) {
    if (row % CHUNK === CHUNK - 1) await nextTurn();
    seen.clear();
    for (let i = cc.offsets[row]; i < cc.offsets[row + 1]; i++) {
      const code = upper[cc.codes[i]];
      if (!code || seen.has(code)) continue;
      seen.add(code);
      countryCounts.set(code, (countryCounts.get(code) ?? 0) + 1);
      pairs.add(cc.codes[i] * cn.values.length + cn.codes[i]);
    }
  }
  for (const p of pairs) {
    const code = upper[Math.floor(p / cn.values.length)];
    const name = cn.values.get(p % cn.values.length);
    const names = countryNames.get(code) ?? [];
    if (name && !names.includes(name)) countryNames.set(code, [...names, name]);
  }
  const sc = movies.lists.spoken_language_codes;
  const sn = movies.lists.spoken_language_names;
  const spoken = new Set<number>();
  for (let i = 0; i < sc.codes.length; i++) spoken.add(sc.codes[i] * sn.values.length + sn.codes[i]);
  for (const p of spoken) {
    const code = sc.values.get(Math.floor(p / sn.values.length));
    const name = sn.values.get(p % sn.values.length);
    const names = spokenNames.get(code) ?? [];
    if (/\p{L}/u.test(name) && !names.includes(name)) spokenNames.set(code, [...names, name]);
  }
  return { countryCounts, countryNames, spokenNames };
}

async function buildPeople(movies: MovieColumns, order: RowOrder) {
  const people = await buildPeopleTable(movies, order.byDate);
  const { actorsInOrder: actors, directorsInOrder: directors } = people;
  return {
    people,
    // persons are distinct keys already: no de-duplication of millions of names
    actorSuggester: new LateSuggester(async () =>
      Suggester.buildDistinct(
        namesAt({ length: people.persons.size, get: people.actorName }, actors),
        Float64Array.from(actors, (p) => people.actorFilms[p]),
      ),
    ),
    directorSuggester: new LateSuggester(async () =>
      Suggester.buildDistinct(
        namesAt({ length: people.persons.size, get: people.directorName }, directors),
        Float64Array.from(directors, (p) => people.directedRows(p).length),
      ),
    ),
    moviesWithCredits: people.moviesWithCredits,
  };
}

const COLLECTION_SUFFIX = /\s+(collection|coleccion|saga|trilogy|series)$/;

async function buildGroups(movies: MovieColumns, order: RowOrder) {
  const byCollectionId = new Map<number, Omit<CollectionStats, 'movies'> & { rows: number[] }>();
  const companies = new Map<string, CompanyStats>();
  const co = movies.lists.production_companies;
  const companyKeys = co.values.toArray().map(normalizeKey);
  const seen = new Set<string>();
  for (let row = 0; row < movies.length; row++) {
    if (row % CHUNK === CHUNK - 1) await nextTurn();
    const revenue = movies.revenue[row];
    const cid = movies.collectionId(row);
    const cname = cid >= 0 ? movies.collectionName(row) : '';
    if (cname) {
      let s = byCollectionId.get(cid);
      if (!s) byCollectionId.set(cid, (s = { id: cid, name: cname, rows: [], totalRevenue: 0 }));
      s.rows.push(row);
      s.totalRevenue += revenue;
    }
    seen.clear();
    for (let i = co.offsets[row]; i < co.offsets[row + 1]; i++) {
      const key = companyKeys[co.codes[i]];
      if (!key || seen.has(key)) continue;
      seen.add(key);
      let s = companies.get(key);
      if (!s) companies.set(key, (s = { name: co.values.get(co.codes[i]), count: 0, totalRevenue: 0 }));
      s.count++;
      s.totalRevenue += revenue;
    }
  }
  // Exact names first (the bigger collection wins a shared name), then short aliases
  // ("Toy Story" for "Toy Story Collection") where they do not clash with a real name.
  const collections = new Map<string, CollectionStats>();
  const all: CollectionStats[] = [];
  for (const { rows, ...s } of byCollectionId.values()) {
    if (all.length % CHUNK === CHUNK - 1) await nextTurn();
    all.push({ ...s, movies: sortedRows(rows, order.byDate) });
  }
  byCollectionId.clear();
  all.sort((a, b) => b.movies.length - a.movies.length || a.id - b.id);
  for (const s of all) {
    const key = normalizeKey(s.name);
    if (!collections.has(key)) collections.set(key, s);
  }
  for (const s of all) {
    const alias = normalizeKey(s.name).replace(COLLECTION_SUFFIX, '');
    if (alias && !collections.has(alias)) collections.set(alias, s);
  }
  return {
    collections,
    collectionSuggester: await Suggester.build(all.map((s) => s.name)),
    companies,
    companySuggester: await Suggester.build(
      [...companies.values()].sort((a, b) => b.count - a.count).map((s) => s.name),
      (n) => companies.get(normalizeKey(n))?.count ?? 0,
    ),
  };
}

import type { Movie } from '../../pipeline/types.js';
import { Suggester } from '../normalize/fuzzy.js';
import { CodeNames, isoWeekday } from '../normalize/intl.js';
import { normalizeKey } from '../normalize/text.js';

/** A person's aggregated acting record (films they directed excluded). */
export interface ActorStats {
  name: string;
  films: number;
  totalReturn: number;
  withKnownReturn: number;
  directedExcluded: number;
}

export interface DirectorStats {
  name: string;
  /** oldest first */
  films: Movie[];
  totalReturn: number;
}

export interface CollectionStats {
  id: number;
  name: string;
  /** oldest first */
  movies: Movie[];
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
  byId: Map<number, Movie>;
  /** title key -> movies with that title, oldest first */
  titles: Map<string, Movie[]>;
  titleSuggester: Suggester;
  /** index 1-12 -> movies released in that month, most popular first */
  byMonth: Movie[][];
  /** index 1-7 (ISO, 1 = Monday) -> movies released on that weekday, most popular first */
  byWeekday: Movie[][];
  actors: Map<string, ActorStats>;
  actorSuggester: Suggester;
  directors: Map<string, DirectorStats>;
  directorSuggester: Suggester;
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
}

const byPopularity = (a: Movie, b: Movie) => b.popularity - a.popularity || a.id - b.id;
const byDate = (a: Movie, b: Movie) => (a.releaseDate < b.releaseDate ? -1 : a.releaseDate > b.releaseDate ? 1 : a.id - b.id);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Tables are built on the serving thread while calls go on against the old version: yield to the
 * event loop every CHUNK movies/names so a load delays calls by milliseconds, not seconds.
 */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const CHUNK = 512;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export async function buildTables(movies: readonly Movie[]): Promise<CatalogTables> {
  const byId = new Map<number, Movie>();
  const titles = new Map<string, Movie[]>();
  const byMonth: Movie[][] = Array.from({ length: 13 }, () => []);
  const byWeekday: Movie[][] = Array.from({ length: 8 }, () => []);
  const languageCounts = new Map<string, number>();
  const countryCounts = new Map<string, number>();
  const countryNames = new Map<string, string[]>();
  const spokenNames = new Map<string, string[]>();
  const titlePopularity = new Map<string, number>();
  let k = 0;
  for (const m of movies) {
    if (++k % CHUNK === 0) await yieldToLoop();
    byId.set(m.id, m);
    push(titles, normalizeKey(m.title), m);
    titlePopularity.set(m.title, Math.max(titlePopularity.get(m.title) ?? 0, m.popularity));
    if (DATE_RE.test(m.releaseDate)) {
      byMonth[Number(m.releaseDate.slice(5, 7))]?.push(m);
      byWeekday[isoWeekday(m.releaseDate)]?.push(m);
    }
    if (m.originalLanguage) languageCounts.set(m.originalLanguage, (languageCounts.get(m.originalLanguage) ?? 0) + 1);
    const seen = new Set<string>();
    for (const c of m.productionCountries) {
      const code = c.code.toUpperCase();
      if (!code || seen.has(code)) continue;
      seen.add(code);
      countryCounts.set(code, (countryCounts.get(code) ?? 0) + 1);
      const names = countryNames.get(code) ?? [];
      if (c.name && !names.includes(c.name)) countryNames.set(code, [...names, c.name]);
    }
    for (const l of m.spokenLanguages) {
      const names = spokenNames.get(l.code) ?? [];
      if (/\p{L}/u.test(l.name) && !names.includes(l.name)) spokenNames.set(l.code, [...names, l.name]);
    }
  }
  for (const list of titles.values()) list.sort(byDate);
  for (const list of byMonth) list.sort(byPopularity);
  for (const list of byWeekday) list.sort(byPopularity);
  await yieldToLoop();

  const titleSuggester = await Suggester.build(
    [...titlePopularity.entries()].sort((a, b) => b[1] - a[1]).map(([t]) => t),
    (t) => titlePopularity.get(t) ?? 0,
  );
  const people = await buildPeople(movies);
  const languages = new CodeNames('language', languageCounts, spokenNames);
  const countries = new CodeNames('region', countryCounts, countryNames);
  await yieldToLoop();
  const groups = await buildGroups(movies);

  return {
    byId,
    titles,
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
  };
}

async function buildPeople(movies: readonly Movie[]) {
  const actors = new Map<string, ActorStats>();
  const directors = new Map<string, DirectorStats>();
  // The same names recur across films: normalize each distinct spelling once.
  const keyCache = new Map<string, string>();
  const keyOf = (name: string) => {
    let key = keyCache.get(name);
    if (key === undefined) keyCache.set(name, (key = normalizeKey(name)));
    return key;
  };
  let moviesWithCredits = 0;
  let k = 0;
  for (const m of movies) {
    if (++k % CHUNK === 0) await yieldToLoop();
    if (m.hasCredits) moviesWithCredits++;
    const directorKeys = new Set<string>();
    for (const d of m.directors) {
      const key = keyOf(d);
      if (!key || directorKeys.has(key)) continue;
      directorKeys.add(key);
      let s = directors.get(key);
      if (!s) directors.set(key, (s = { name: d, films: [], totalReturn: 0 }));
      s.films.push(m);
      s.totalReturn += m.return;
    }
    const castKeys = new Set<string>();
    for (const a of m.cast) {
      const key = keyOf(a);
      if (!key || castKeys.has(key)) continue;
      castKeys.add(key);
      let s = actors.get(key);
      if (!s) actors.set(key, (s = { name: a, films: 0, totalReturn: 0, withKnownReturn: 0, directedExcluded: 0 }));
      if (directorKeys.has(key)) {
        s.directedExcluded++;
        continue;
      }
      s.films++;
      s.totalReturn += m.return;
      if (m.return > 0) s.withKnownReturn++;
    }
  }
  for (const s of directors.values()) s.films.sort(byDate);
  const weightOf = <T>(map: Map<string, T>, n: (s: T) => number) => (name: string) => {
    const s = map.get(keyOf(name));
    return s ? n(s) : 0;
  };
  return {
    actors,
    actorSuggester: await Suggester.build(
      [...actors.values()].map((s) => s.name),
      weightOf(actors, (s) => s.films),
    ),
    directors,
    directorSuggester: await Suggester.build(
      [...directors.values()].map((s) => s.name),
      weightOf(directors, (s) => s.films.length),
    ),
    moviesWithCredits,
  };
}

const COLLECTION_SUFFIX = /\s+(collection|coleccion|saga|trilogy|series)$/;

async function buildGroups(movies: readonly Movie[]) {
  const byCollectionId = new Map<number, CollectionStats>();
  const companies = new Map<string, CompanyStats>();
  let k = 0;
  for (const m of movies) {
    if (++k % CHUNK === 0) await yieldToLoop();
    if (m.collection && m.collection.name) {
      let s = byCollectionId.get(m.collection.id);
      if (!s) byCollectionId.set(m.collection.id, (s = { id: m.collection.id, name: m.collection.name, movies: [], totalRevenue: 0 }));
      s.movies.push(m);
      s.totalRevenue += m.revenue;
    }
    const seen = new Set<string>();
    for (const c of m.productionCompanies) {
      const key = normalizeKey(c);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      let s = companies.get(key);
      if (!s) companies.set(key, (s = { name: c, count: 0, totalRevenue: 0 }));
      s.count++;
      s.totalRevenue += m.revenue;
    }
  }
  // Exact names first (the bigger collection wins a shared name), then short aliases
  // ("Toy Story" for "Toy Story Collection") where they do not clash with a real name.
  const collections = new Map<string, CollectionStats>();
  const all = [...byCollectionId.values()].sort((a, b) => b.movies.length - a.movies.length || a.id - b.id);
  for (const s of all) {
    s.movies.sort(byDate);
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

// PlatformService: pure functions of (state, request).
import { normalizeKey } from '../../pipeline/normalize.js';
import { ACCEPTED_PLATFORM_NAMES, PLATFORM_DISPLAY, platformOf } from '../../pipeline/platforms/rules.js';
import { PLATFORMS, type Platform, type PlatformTitle } from '../../pipeline/platforms/types.js';
import { movieRef } from '../catalog/messages.js';
import { resolveTitle, type TitleRef as MovieTitleRef } from '../catalog/resolve-title.js';
import { ambiguous, failedPrecondition, invalidArgument, notFound } from '../errors.js';
import type { CatalogState } from '../state.js';
import { intIn, requireText } from '../validate.js';
import { titleMessage, titleRef, watchOptions } from './messages.js';
import { yearKey, type PlatformTables } from './tables.js';

export const PLATFORMS_EXTENSION = 'platforms';
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2100;
const DEFAULT_K = 5;
const MAX_K = 50;

/** The version's platform tables; FAILED_PRECONDITION when it was built without platform input. */
export function platformTables(state: CatalogState): PlatformTables {
  const t = state.ext.get(PLATFORMS_EXTENSION) as PlatformTables | undefined;
  if (!t || !t.present) {
    throw failedPrecondition(
      `catalog version ${state.version} has no streaming-platform catalog: it was built without platform input (the title lists go in MARQUEE_PLATFORMS_DIR)`,
      'NO_PLATFORM_CATALOG',
    );
  }
  return t;
}

function platformArg(v: unknown, required: boolean): Platform | null {
  const text = typeof v === 'string' ? v.trim() : '';
  if (!text) {
    if (required) throw invalidArgument(`platform is required: one of ${ACCEPTED_PLATFORM_NAMES}`, { reason: 'EMPTY' });
    return null;
  }
  const p = platformOf(text);
  if (!p) throw invalidArgument(`unknown platform ${JSON.stringify(text.slice(0, 60))}: use ${ACCEPTED_PLATFORM_NAMES}`, { reason: 'UNKNOWN_PLATFORM' });
  return p;
}

function yearArg(v: unknown, required: boolean): number | null {
  if (required) return intIn(v ?? 0, 'year', MIN_YEAR, MAX_YEAR);
  return intIn(v ?? 0, 'year', MIN_YEAR, MAX_YEAR, 'any year') || null;
}

function typeArg(v: unknown): 'movie' | 'show' | null {
  const t = normalizeKey(typeof v === 'string' ? v : '');
  if (t === '') return null;
  if (['movie', 'movies', 'film', 'films'].includes(t)) return 'movie';
  if (['show', 'shows', 'tv show', 'tv shows', 'series', 'tv'].includes(t)) return 'show';
  throw invalidArgument(`type ${JSON.stringify(String(v).slice(0, 40))} is not a title type: use movie or show (or leave it empty for both)`, { reason: 'BAD_TYPE' });
}

function durationTypeArg(v: unknown): 'min' | 'season' {
  const t = normalizeKey(typeof v === 'string' ? v : '');
  if (t === '' || ['min', 'mins', 'minute', 'minutes'].includes(t)) return 'min';
  if (['season', 'seasons'].includes(t)) return 'season';
  throw invalidArgument(`duration_type ${JSON.stringify(String(v).slice(0, 40))} is not a duration type: use min (the default) or season`, { reason: 'BAD_DURATION_TYPE' });
}

function yearOf(t: PlatformTitle, byAdded: boolean): number | null {
  if (!byAdded) return t.releaseYear;
  return t.dateAdded ? Number(t.dateAdded.slice(0, 4)) : null;
}

const where = (p: Platform | null) => (p ? PLATFORM_DISPLAY[p] : 'any platform');
const yearWord = (byAdded: boolean) => (byAdded ? 'added' : 'released');

/** The titles of a platform (or all) in a year; NOT_FOUND naming the years there are when none. */
function titlesInYear(tables: PlatformTables, p: Platform | null, year: number, byAdded: boolean): PlatformTitle[] {
  const out = tables.byYear.get(yearKey(p, year, byAdded));
  if (out) return out;
  const pool = p ? tables.byPlatform[p] : tables.titles;
  const years = [...new Set(pool.map((t) => yearOf(t, byAdded)).filter((y): y is number => y !== null))].sort((a, b) => a - b);
  const nearest = [...years].sort((a, b) => Math.abs(a - year) - Math.abs(b - year) || a - b).slice(0, 5).sort((a, b) => a - b);
  const span = years.length ? `; its titles were ${yearWord(byAdded)} from ${years[0]} to ${years[years.length - 1]}` : '';
  throw notFound(`${where(p)} has no titles ${yearWord(byAdded)} in ${year}${span}`, nearest.map(String), 'NO_TITLES_IN_YEAR');
}

export function longestTitle(state: CatalogState, req: { year?: number; platform?: string; durationType?: string; type?: string; byDateAdded?: boolean }) {
  const tables = platformTables(state);
  const p = platformArg(req.platform, false);
  const year = yearArg(req.year, false);
  const type = typeArg(req.type);
  const unit = durationTypeArg(req.durationType);
  const byAdded = !!req.byDateAdded;
  let pool = year !== null ? titlesInYear(tables, p, year, byAdded) : p ? tables.byPlatform[p] : tables.titles;
  if (type) pool = pool.filter((t) => t.type === type);
  const known = pool.filter((t) => t.durationType === unit && t.durationInt !== null);
  if (known.length === 0) {
    const what = [type ? `${type}s` : 'titles', `on ${where(p)}`, year !== null ? `${yearWord(byAdded)} in ${year}` : ''].filter(Boolean).join(' ');
    throw notFound(`no ${what} has a known duration in ${unit === 'min' ? 'minutes' : 'seasons'}${type === 'movie' && unit === 'season' ? ' (movies are measured in minutes)' : ''}`, [], 'NO_DURATION');
  }
  let max = 0;
  for (const t of known) if (t.durationInt! > max) max = t.durationInt!;
  const ties = known.filter((t) => t.durationInt === max);
  return { duration: max, durationType: unit, titles: ties.map((t) => titleRef(t, tables)), matched: known.length };
}

const NARROW = 'the platform ratings were assigned to titles at random by their publisher, so every mean lies in a narrow band';

export function scoreCount(state: CatalogState, req: { platform?: string; threshold?: number; year?: number; byDateAdded?: boolean }) {
  const tables = platformTables(state);
  const p = platformArg(req.platform, true)!;
  const threshold = typeof req.threshold === 'number' ? req.threshold : Number.NaN;
  if (!(threshold >= 0 && threshold <= 5)) throw invalidArgument(`threshold must be a score from 0 to 5; got ${String(req.threshold)}`, { reason: 'OUT_OF_RANGE' });
  const year = yearArg(req.year, true)!;
  const byAdded = !!req.byDateAdded;
  const pool = titlesInYear(tables, p, year, byAdded);
  let scored = 0;
  let count = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of pool) {
    const s = tables.scoreOf.get(t.id);
    if (!s) continue;
    scored++;
    if (s.mean > threshold) count++;
    lo = Math.min(lo, s.mean);
    hi = Math.max(hi, s.mean);
  }
  const band = scored ? ` (here ${lo.toFixed(3)}-${hi.toFixed(3)})` : '';
  return {
    platform: p,
    year,
    threshold,
    count,
    titlesInYear: pool.length,
    scoredInYear: scored,
    scoreSource: tables.scoreSource,
    note: scored ? `${NARROW}${band}: a count mostly says where the threshold falls in that band` : `none of these titles has a score (source: ${tables.scoreSource})`,
  };
}

export function platformCount(state: CatalogState, req: { platform?: string }) {
  const tables = platformTables(state);
  const p = platformArg(req.platform, true)!;
  return { platform: p, platformName: PLATFORM_DISPLAY[p], ...tables.sizes[p] };
}

interface TopActorAnswer {
  platform: Platform;
  year: number;
  actors: string[];
  titles: number;
  titlesInYear: number;
  titlesWithCast: number;
}

export function topActor(state: CatalogState, req: { platform?: string; year?: number; byDateAdded?: boolean }): TopActorAnswer {
  const tables = platformTables(state);
  const p = platformArg(req.platform, true)!;
  const year = yearArg(req.year, true)!;
  const byAdded = !!req.byDateAdded;
  const pool = titlesInYear(tables, p, year, byAdded);
  const memoKey = `topActor|${yearKey(p, year, byAdded)}`;
  const known = tables.memo.get(memoKey) as TopActorAnswer | undefined;
  if (known) return known;
  const counts = new Map<string, { name: string; n: number }>();
  let withCast = 0;
  for (const t of pool) {
    const keys = tables.castKeys.get(t)!;
    if (keys.length) withCast++;
    for (const key of keys) {
      const c = counts.get(key);
      if (c) c.n++;
      else counts.set(key, { name: t.cast.find((n) => normalizeKey(n) === key)!, n: 1 });
    }
  }
  if (counts.size === 0) {
    throw notFound(`none of the ${pool.length} titles ${PLATFORM_DISPLAY[p]} has ${yearWord(byAdded)} in ${year} lists a cast`, [], 'NO_CAST_IN_YEAR');
  }
  let max = 0;
  for (const c of counts.values()) max = Math.max(max, c.n);
  const actors = [...counts.values()].filter((c) => c.n === max).map((c) => c.name).sort((a, b) => a.localeCompare(b));
  const answer: TopActorAnswer = { platform: p, year, actors, titles: max, titlesInYear: pool.length, titlesWithCast: withCast };
  tables.memo.set(memoKey, answer);
  return answer;
}

export function getTitle(state: CatalogState, req: { id?: string }) {
  const tables = platformTables(state);
  const id = requireText(req.id, 'id', 'a platform title id such as as123 or ns2186').toLowerCase();
  const t = tables.byId.get(id);
  if (!t) {
    const shape = /^[adhn]s\d+$/.test(id) ? '' : ' (ids are the platform letter a/d/h/n + the show id, e.g. ns2186)';
    throw notFound(`no platform title has id ${JSON.stringify(id)}${shape}`, [], 'TITLE_ID_NOT_FOUND');
  }
  return { title: titleMessage(t, tables) };
}

export function personTitles(state: CatalogState, req: { name?: string }) {
  const tables = platformTables(state);
  const name = requireText(req.name, 'name', 'a cast member or director, e.g. "Adam Sandler"');
  const person = tables.people.get(normalizeKey(name));
  if (!person) throw notFound(`no cast member or director named ${JSON.stringify(name)} on any platform`, tables.peopleSuggester.suggest(name), 'PERSON_NOT_FOUND');
  const platforms = PLATFORMS.flatMap((p) => {
    const asCast = person.cast.filter((t) => t.platform === p);
    const asDirector = person.directed.filter((t) => t.platform === p);
    return asCast.length || asDirector.length
      ? [{ platform: p, asCast: asCast.map((t) => titleRef(t, tables)), asDirector: asDirector.map((t) => titleRef(t, tables)) }]
      : [];
  });
  return { name: person.name, platforms, total: new Set([...person.cast, ...person.directed]).size };
}

const describe = (t: PlatformTitle) => `${t.title} (${t.platform}, ${t.releaseYear}, id ${t.id})`;

/** One platform title by id, or by title (+ platform, + year). */
function resolvePlatformTitle(tables: PlatformTables, req: { id?: string; title?: string; platform?: string; year?: number }): PlatformTitle {
  const id = typeof req.id === 'string' ? req.id.trim().toLowerCase() : '';
  if (id) {
    const t = tables.byId.get(id);
    if (!t) throw notFound(`no platform title has id ${JSON.stringify(id)}`, [], 'TITLE_ID_NOT_FOUND');
    return t;
  }
  const title = requireText(req.title, 'title', 'the title (with platform and/or year to pick one), or give id');
  const p = platformArg(req.platform, false);
  const year = yearArg(req.year, false);
  const all = tables.byTitle.get(normalizeKey(title));
  if (!all) throw notFound(`no platform title is called ${JSON.stringify(title)}`, tables.titleSuggester.suggest(title), 'TITLE_NOT_FOUND');
  const matching = all.filter((t) => (!p || t.platform === p) && (year === null || t.releaseYear === year));
  if (matching.length === 1) return matching[0];
  if (matching.length === 0) throw notFound(`no title ${JSON.stringify(all[0].title)} matches${p ? ` on ${PLATFORM_DISPLAY[p]}` : ''}${year ? ` in ${year}` : ''}`, all.map(describe), 'TITLE_NOT_IN_FILTER');
  throw ambiguous(`${matching.length} platform titles are called ${JSON.stringify(matching[0].title)}; pass platform, year or id to pick one`, matching.map(describe), 'AMBIGUOUS_TITLE');
}

export function similarTitles(state: CatalogState, req: { id?: string; title?: string; platform?: string; year?: number; k?: number; onlyPlatform?: string }) {
  const tables = platformTables(state);
  const k = intIn(req.k ?? 0, 'k', 1, MAX_K, `the default ${DEFAULT_K}`) || DEFAULT_K;
  const only = platformArg(req.onlyPlatform, false);
  const t = resolvePlatformTitle(tables, req);
  const s = tables.similar;
  if (!s) throw failedPrecondition(tables.similarMissing, 'NO_INDEX');
  const row = tables.rowOf.get(t)!;
  const allowed = (label: number) => label !== row && (!only || tables.titles[label]?.platform === only);
  let found: { label: number; similarity: number }[] = [];
  if (s.lists) {
    // a lookup in the version's precomputed list; a platform filter that empties it falls back to the graph
    const l = s.lists;
    for (let j = 0; j < l.k && found.length < k; j++) {
      const label = l.rows[row * l.k + j];
      if (label < 0) break;
      if (allowed(label)) found.push({ label, similarity: l.scores[row * l.k + j] });
    }
  }
  if (found.length < k && (!s.lists || only)) {
    const want = Math.min(k, only ? tables.byPlatform[only].length - (t.platform === only ? 1 : 0) : s.meta.count - 1);
    const res = want > 0 ? s.index.searchKnn(s.index.getPoint(row), want, allowed) : { neighbors: [], distances: [] };
    found = res.neighbors.map((label, i) => ({ label, similarity: 1 - res.distances[i] }));
  }
  return {
    title: titleRef(t, tables),
    similar: found.map(({ label, similarity }) => ({
      title: titleRef(tables.titles[label], tables),
      similarity: Math.round(similarity * 1e6) / 1e6,
      listedIn: tables.titles[label].listedIn,
    })),
    embedder: s.embedder.id,
    version: state.version,
  };
}

export function whereToWatch(state: CatalogState, req: MovieTitleRef) {
  const tables = platformTables(state);
  const movie = resolveTitle(state, req);
  const options = watchOptions(movie.id, tables);
  return {
    movie: movieRef(movie),
    options,
    note: options.length
      ? ''
      : `no platform title is linked to this movie: none of the four catalogs has a movie of the same title released in ${movie.releaseYear} (or one year apart with a director in common)`,
  };
}

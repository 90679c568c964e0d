// The cleaning rules of DESIGN.md as small pure functions (transform applies them; tests call them).
import type { PyValue } from '../sources/pyliteral.js';
import type { Movie } from '../types.js';
import type { ExtractedCredits, ExtractedMovie } from './extracted.js';

/** Counters a rule bumps when it has to fall back (a value that was not usable as is). */
export type Tally = (key: string, n?: number) => void;

export type ReleaseDate = { ok: true; date: string; year: number } | { ok: false; why: 'missing' | 'invalid' };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A release date must be a real calendar date written YYYY-MM-DD (2019-02-30 is not). */
export function parseReleaseDate(text: string | undefined): ReleaseDate {
  const t = (text ?? '').trim();
  if (t === '') return { ok: false, why: 'missing' };
  const m = ISO_DATE.exec(t);
  if (!m) return { ok: false, why: 'invalid' };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) {
    return { ok: false, why: 'invalid' };
  }
  return { ok: true, date: t, year: y };
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A plain decimal number, or null (no '1,000', no '$5', no 'Infinity', no hex). */
export function parseNumber(text: string | undefined): number | null {
  const t = (text ?? '').trim();
  if (!NUMERIC.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * Budget/revenue: missing -> 0 (TMDB's 0 already means unknown). Text that is not a
 * non-negative number (e.g. '$5M', 'abc', '-1') is not guessed at: it becomes 0 (unknown) and is
 * counted as `<column>_not_numeric`.
 */
export function money(text: string | undefined, column: string, tally: Tally): number {
  const t = (text ?? '').trim();
  if (t === '') return 0;
  const n = parseNumber(t);
  if (n === null || n < 0) {
    tally(`${column}_not_numeric`);
    return 0;
  }
  return n;
}

/** revenue / budget when both > 0, else 0. */
export function computeReturn(revenue: number, budget: number): number {
  return revenue > 0 && budget > 0 ? revenue / budget : 0;
}

function isDict(v: unknown): v is { [k: string]: PyValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: PyValue | undefined): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** The `name` of every entry of a list of dicts, in order; entries without one are counted. */
export function names(list: PyValue | undefined, what: string, tally: Tally): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const e of list) {
    const n = isDict(e) ? str(e.name) : null;
    if (n === null) tally(`${what}_entries_without_name`);
    else out.push(n);
  }
  return out;
}

/** {code, name} pairs (ISO code under `codeKey`); entries lacking either are counted. */
export function codedNames(
  list: PyValue | undefined,
  codeKey: string,
  what: string,
  tally: Tally,
): { code: string; name: string }[] {
  if (!Array.isArray(list)) return [];
  const out: { code: string; name: string }[] = [];
  for (const e of list) {
    const code = isDict(e) ? str(e[codeKey]) : null;
    const name = isDict(e) ? str(e.name) : null;
    if (code === null) tally(`${what}_entries_without_code`);
    else out.push({ code, name: name ?? '' });
  }
  return out;
}

export function collection(v: PyValue | undefined, tally: Tally): Movie['collection'] {
  if (v === null || v === undefined) return null;
  if (isDict(v) && typeof v.id === 'number' && str(v.name) !== null) return { id: v.id, name: str(v.name)! };
  tally('collection_without_id_or_name');
  return null;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * Cast names in billing order (by `order`, stable; entries without a numeric order keep their
 * place after those with one). A person credited for two roles is listed once.
 */
export function castNames(cast: ExtractedCredits['cast'], tally: Tally): string[] {
  const withOrder = cast.map((c, i) => ({ c, i, o: typeof c.order === 'number' ? c.order : Infinity }));
  withOrder.sort((a, b) => a.o - b.o || a.i - b.i);
  const out: string[] = [];
  for (const { c } of withOrder) {
    const n = str(c.name);
    if (n === null) tally('cast_entries_without_name');
    else out.push(n);
  }
  return dedupe(out);
}

/** Crew members whose job is exactly 'Director', in crew order, each once. */
export function directorNames(crew: ExtractedCredits['crew']): string[] {
  const out: string[] = [];
  for (const c of crew) {
    if (c.job !== 'Director') continue;
    const n = str(c.name);
    if (n !== null) out.push(n);
  }
  return dedupe(out);
}

const text = (v: string | undefined) => (v ?? '').trim();

/**
 * A movies row -> Movie (credits and keywords joined later), or the reason it is dropped.
 * Dropped columns: video, imdb_id, adult, original_title, poster_path, homepage (never read).
 */
export function cleanMovie(
  m: ExtractedMovie,
  tally: Tally,
): { ok: true; movie: Movie } | { ok: false; why: 'missing' | 'invalid'; value: string } {
  const c = m.columns;
  const rd = parseReleaseDate(c.release_date);
  if (!rd.ok) return { ok: false, why: rd.why, value: c.release_date ?? '' };
  const budget = money(c.budget, 'budget', tally);
  const revenue = money(c.revenue, 'revenue', tally);
  const num = (col: string, fallback: number) => {
    const t = text(c[col]);
    if (t === '') return fallback;
    const n = parseNumber(t);
    if (n === null) {
      tally(`${col}_not_numeric`);
      return fallback;
    }
    return n;
  };
  // runtime 0 is TMDB's "unknown", like a missing runtime
  let runtime: number | null = num('runtime', -1);
  if (runtime === 0) tally('runtime_zero_as_null');
  if (runtime <= 0) runtime = null;
  const title = text(c.title);
  if (title === '') tally('movies_without_title');
  return {
    ok: true,
    movie: {
      id: m.id,
      title,
      overview: text(c.overview),
      tagline: text(c.tagline),
      releaseDate: rd.date,
      releaseYear: rd.year,
      budget,
      revenue,
      return: computeReturn(revenue, budget),
      runtime,
      popularity: num('popularity', 0),
      voteAverage: num('vote_average', 0),
      voteCount: num('vote_count', 0),
      originalLanguage: text(c.original_language).toLowerCase(),
      status: text(c.status),
      collection: collection(m.nested.belongs_to_collection, tally),
      genres: dedupe(names(m.nested.genres, 'genres', tally)),
      productionCompanies: dedupe(names(m.nested.production_companies, 'production_companies', tally)),
      productionCountries: codedNames(m.nested.production_countries, 'iso_3166_1', 'production_countries', tally),
      spokenLanguages: codedNames(m.nested.spoken_languages, 'iso_639_1', 'spoken_languages', tally),
      cast: [],
      directors: [],
      keywords: [],
      hasCredits: false,
    },
  };
}

import type { Movie } from '../../pipeline/types.js';
import { ambiguous, invalidArgument, notFound } from '../errors.js';
import { normalizeKey } from '../normalize/text.js';
import type { CatalogState } from '../state.js';
import { intIn, MAX_TEXT } from '../validate.js';

/** The fields every title query shares (TitleScore, TitleVotes, ..., SimilarMovies). */
export interface TitleRef {
  /** title, case- and accent-insensitive; optional when id is given */
  title?: string;
  /** release year to pick one of several movies sharing a title; 0 = not given */
  year?: number;
  /** TMDB id; 0 = not given */
  id?: number;
}

export const MIN_YEAR = 1800;
export const MAX_YEAR = 2200;
export const MAX_ID = 2_000_000_000;

/** "Toy Story (1995, id 862)" */
export function describeMovie(m: Movie): string {
  return `${m.title} (${m.releaseYear || 'no year'}, id ${m.id})`;
}

/**
 * Resolves a title query to exactly one movie, or throws:
 * INVALID_ARGUMENT (empty / too long / bad year or id, or a title shared by several movies:
 * the message names every candidate with year and id), NOT_FOUND (unknown title: the closest
 * known titles as suggestions; unknown id; or no movie of that title in that year: the years
 * that exist).
 */
export function resolveTitle(state: CatalogState, ref: TitleRef): Movie {
  const { tables } = state;
  const id = intIn(ref.id ?? 0, 'id', 1, MAX_ID, 'not given');
  const year = intIn(ref.year ?? 0, 'year', MIN_YEAR, MAX_YEAR, 'any year');
  const title = typeof ref.title === 'string' ? ref.title.trim() : '';
  if (title.length > MAX_TEXT) {
    throw invalidArgument(`title is too long (${title.length} characters; at most ${MAX_TEXT})`, { reason: 'TOO_LONG' });
  }
  const key = normalizeKey(title);

  if (id > 0) {
    const m = tables.byId.get(id);
    if (!m) throw notFound(`no movie has id ${id}`, [], 'ID_NOT_FOUND');
    if (key && normalizeKey(m.title) !== key) {
      throw invalidArgument(`id ${id} is ${JSON.stringify(m.title)}, not ${JSON.stringify(title)}; give the id alone or a matching title`, {
        reason: 'ID_TITLE_MISMATCH',
      });
    }
    if (year && m.releaseYear !== year) {
      throw invalidArgument(`id ${id} (${JSON.stringify(m.title)}) was released in ${m.releaseYear}, not ${year}`, {
        reason: 'ID_YEAR_MISMATCH',
      });
    }
    return m;
  }
  if (!key) {
    throw invalidArgument('title is required (or id): the movie title, optionally with year to tell apart movies sharing it', {
      reason: 'EMPTY',
    });
  }

  const candidates = tables.titles.get(key);
  if (!candidates) {
    const suggestions = tables.titleSuggester.suggest(title);
    throw notFound(`no movie titled ${JSON.stringify(title)}`, suggestions, 'TITLE_NOT_FOUND');
  }
  const matching = year ? candidates.filter((m) => m.releaseYear === year) : candidates;
  if (matching.length === 1) return matching[0];
  if (matching.length === 0) {
    throw notFound(
      `no movie titled ${JSON.stringify(candidates[0].title)} was released in ${year}`,
      candidates.map(describeMovie),
      'TITLE_NOT_IN_YEAR',
    );
  }
  const how = year ? 'pass id to pick one' : 'pass year (or id) to pick one';
  throw ambiguous(
    `${matching.length} movies are titled ${JSON.stringify(matching[0].title)}${year ? ` in ${year}` : ''}; ${how}`,
    matching.map(describeMovie),
    'AMBIGUOUS_TITLE',
  );
}

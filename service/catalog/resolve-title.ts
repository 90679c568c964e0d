import type { MovieBrief } from '../../pipeline/catalog-columns/table.js';
import type { Movie } from '../../pipeline/types.js';
import { ambiguous, invalidArgument, notFound } from '../errors.js';
import { normalizeKey } from '../normalize/text.js';
import type { CatalogState } from '../state.js';
import { intIn, MAX_TEXT } from '../validate.js';
import { rowsTitled } from './tables.js';

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
export function describeMovie(m: Pick<Movie, 'id' | 'title' | 'releaseYear'>): string {
  return `${m.title} (${m.releaseYear || 'no year'}, id ${m.id})`;
}

/**
 * Resolves a title query to exactly one movie, or throws:
 * INVALID_ARGUMENT (empty / too long / bad year or id, or a title shared by several movies:
 * the message names every candidate with year and id), NOT_FOUND (unknown title: the closest
 * known titles as suggestions; unknown id; or no movie of that title in that year: the years
 * that exist).
 */
export function resolveTitle(state: CatalogState, ref: TitleRef): MovieBrief {
  return state.movies.brief(resolveRow(state, ref));
}

/** resolveTitle's row in the catalog columns (for answers that need lists or the whole Movie: movies.movie(row)). */
export function resolveRow(state: CatalogState, ref: TitleRef): number {
  const { tables, movies } = state;
  const id = intIn(ref.id ?? 0, 'id', 1, MAX_ID, 'not given');
  const year = intIn(ref.year ?? 0, 'year', MIN_YEAR, MAX_YEAR, 'any year');
  const title = typeof ref.title === 'string' ? ref.title.trim() : '';
  if (title.length > MAX_TEXT) {
    throw invalidArgument(`title is too long (${title.length} characters; at most ${MAX_TEXT})`, { reason: 'TOO_LONG' });
  }
  const key = normalizeKey(title);

  if (id > 0) {
    const row = movies.rowOf(id);
    if (row < 0) throw notFound(`no movie has id ${id}`, [], 'ID_NOT_FOUND');
    const movieTitle = movies.title(row);
    if (key && normalizeKey(movieTitle) !== key) {
      throw invalidArgument(`id ${id} is ${JSON.stringify(movieTitle)}, not ${JSON.stringify(title)}; give the id alone or a matching title`, {
        reason: 'ID_TITLE_MISMATCH',
      });
    }
    if (year && movies.releaseYear[row] !== year) {
      throw invalidArgument(`id ${id} (${JSON.stringify(movieTitle)}) was released in ${movies.releaseYear[row]}, not ${year}`, {
        reason: 'ID_YEAR_MISMATCH',
      });
    }
    return row;
  }
  if (!key) {
    throw invalidArgument('title is required (or id): the movie title, optionally with year to tell apart movies sharing it', {
      reason: 'EMPTY',
    });
  }

  const candidates = rowsTitled(movies, tables, key);
  if (candidates.length === 0) {
    const suggestions = tables.titleSuggester.suggest(title);
    throw notFound(`no movie titled ${JSON.stringify(title)}${tables.titleSuggester.pendingNote}`, suggestions, 'TITLE_NOT_FOUND');
  }
  const matching = year ? candidates.filter((row) => movies.releaseYear[row] === year) : candidates;
  if (matching.length === 1) return matching[0];
  const describe = (row: number) => describeMovie(movies.brief(row));
  if (matching.length === 0) {
    throw notFound(
      `no movie titled ${JSON.stringify(movies.title(candidates[0]))} was released in ${year}`,
      candidates.map(describe),
      'TITLE_NOT_IN_YEAR',
    );
  }
  const how = year ? 'pass id to pick one' : 'pass year (or id) to pick one';
  throw ambiguous(
    `${matching.length} movies are titled ${JSON.stringify(movies.title(matching[0]))}${year ? ` in ${year}` : ''}; ${how}`,
    matching.map(describe),
    'AMBIGUOUS_TITLE',
  );
}

import { invalidArgument } from '../errors.js';
import { movieRefAt } from '../catalog/messages.js';
import { titleRef } from '../platforms/messages.js';
import { PLATFORMS_EXTENSION } from '../platforms/queries.js';
import type { PlatformTables } from '../platforms/tables.js';
import type { CatalogState } from '../state.js';
import { MOVIE, searchTitles, titleWords, type TitleIndex } from './title-index.js';

export const SEARCH_EXTENSION = 'title-search';
export const MAX_QUERY = 200;
const CATALOGS: Record<string, (kind: number) => boolean> = {
  TITLE_CATALOG_UNSPECIFIED: () => true,
  TITLE_CATALOG_MOVIES: (k) => k === MOVIE,
  TITLE_CATALOG_PLATFORMS: (k) => k !== MOVIE,
};

export interface SuggestTitlesRequest {
  query?: string;
  limit?: number;
  catalog?: string | number;
}

export function suggestTitles(state: CatalogState, req: SuggestTitlesRequest) {
  const text = typeof req.query === 'string' ? req.query.trim() : '';
  if (!text) throw invalidArgument('query is required: the first letters of a title', { reason: 'EMPTY' });
  if (text.length > MAX_QUERY) {
    throw invalidArgument(`query is too long (${text.length} characters; at most ${MAX_QUERY})`, { reason: 'TOO_LONG' });
  }
  const limit = req.limit || 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
    throw invalidArgument(`limit ${req.limit} is out of range: give 1-50 (0 means 10)`, { reason: 'OUT_OF_RANGE' });
  }
  const accept = CATALOGS[String(req.catalog ?? 'TITLE_CATALOG_UNSPECIFIED')];
  if (!accept) {
    throw invalidArgument(`catalog ${JSON.stringify(req.catalog)} is not known: use ${Object.keys(CATALOGS).join(', ')}`, { reason: 'UNKNOWN_CATALOG' });
  }
  const words = titleWords(text);
  if (words.length === 0) {
    throw invalidArgument(`query ${JSON.stringify(text)} has no letters or digits to match titles on`, { reason: 'NO_WORDS' });
  }
  const index = state.ext.get(SEARCH_EXTENSION) as TitleIndex;
  const platforms = state.ext.get(PLATFORMS_EXTENSION) as PlatformTables | undefined;
  const suggestions = searchTitles(index, words, limit, accept).map((h) => {
    const i = index.item[h.entry];
    const match = h.prefix ? 'prefix' : 'words';
    return index.kind[h.entry] === MOVIE ? { movie: movieRefAt(state.movies, i), match } : { title: titleRef(platforms!.titles[i], platforms!), match };
  });
  return { suggestions, version: state.version };
}

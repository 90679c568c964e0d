// The search-as-you-type index of a version: every TMDB movie and platform title by the words of
// its title. Words are kept once, sorted, each with the entries it appears in, so a prefix is a
// binary search and a scan of neighbouring words.
import { normalizeKey } from '../../pipeline/normalize.js';
import type { Movie } from '../../pipeline/types.js';
import type { PlatformTitle } from '../../pipeline/platforms/types.js';
import type { PlatformTables } from '../platforms/tables.js';

export const MOVIE = 0;
export const TITLE = 1;

export interface TitleIndex {
  /** per entry: MOVIE or TITLE */
  kind: Uint8Array;
  /** per entry: index into state.movies or tables.titles */
  item: Int32Array;
  /** per entry: how well known (movies: vote count; titles: ratings, else their TMDB movie's votes) */
  fame: Float64Array;
  /** per entry: the normalized title, words joined by one space */
  key: string[];
  /** per entry: its words (unique, normalized) */
  words: string[][];
  /** every word, sorted, and the entries holding it */
  vocabulary: string[];
  postings: Int32Array[];
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a text as the index keeps them (lower case, no accents, no punctuation). */
export function titleWords(text: string): string[] {
  return normalizeKey(text).match(WORD) ?? [];
}

export function buildTitleIndex(movies: readonly Movie[], platforms: PlatformTables | null): TitleIndex {
  const titles: readonly PlatformTitle[] = platforms?.present ? platforms.titles : [];
  const n = movies.length + titles.length;
  const kind = new Uint8Array(n);
  const item = new Int32Array(n);
  const fame = new Float64Array(n);
  const key: string[] = new Array(n);
  const words: string[][] = new Array(n);
  const byId = new Map<number, Movie>();
  for (const m of movies) byId.set(m.id, m);
  const lists = new Map<string, number[]>();
  const add = (e: number, title: string) => {
    const w = titleWords(title);
    key[e] = w.join(' ');
    words[e] = [...new Set(w)];
    for (const word of words[e]) {
      let l = lists.get(word);
      if (!l) lists.set(word, (l = []));
      l.push(e);
    }
  };
  movies.forEach((m, i) => {
    kind[i] = MOVIE;
    item[i] = i;
    fame[i] = m.voteCount;
    add(i, m.title);
  });
  titles.forEach((t, j) => {
    const e = movies.length + j;
    kind[e] = TITLE;
    item[e] = j;
    const ratings = platforms!.scoreOf.get(t.id)?.count ?? 0;
    const movieId = platforms!.tmdbOf.get(t.id);
    fame[e] = ratings > 0 ? ratings : movieId !== undefined ? (byId.get(movieId)?.voteCount ?? 0) : 0;
    add(e, t.title);
  });
  const vocabulary = [...lists.keys()].sort();
  const postings = vocabulary.map((w) => Int32Array.from(lists.get(w)!));
  return { kind, item, fame, key, words, vocabulary, postings };
}

/** Index of the first vocabulary word >= prefix. */
function lowerBound(vocabulary: string[], prefix: string): number {
  let lo = 0;
  let hi = vocabulary.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vocabulary[mid] < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Hit {
  entry: number;
  /** the title starts with the query */
  prefix: boolean;
}

/**
 * Entries whose words start with every query word, best first (prefix matches, then fame, then
 * shorter titles), at most `limit`; `accept` filters by catalog.
 */
export function searchTitles(index: TitleIndex, queryWords: string[], limit: number, accept: (kind: number) => boolean): Hit[] {
  if (queryWords.length === 0) return [];
  // drive by the longest query word: the fewest entries to check
  const driver = queryWords.reduce((a, b) => (b.length > a.length ? b : a));
  const rest = queryWords.filter((w, i) => w !== driver || queryWords.indexOf(w) !== i);
  const query = queryWords.join(' ');
  const seen = new Set<number>();
  const hits: Hit[] = [];
  for (let v = lowerBound(index.vocabulary, driver); v < index.vocabulary.length && index.vocabulary[v].startsWith(driver); v++) {
    for (const e of index.postings[v]) {
      if (seen.has(e)) continue;
      seen.add(e);
      if (!accept(index.kind[e])) continue;
      const ws = index.words[e];
      if (!rest.every((q) => ws.some((w) => w.startsWith(q)))) continue;
      hits.push({ entry: e, prefix: index.key[e].startsWith(query) });
    }
  }
  hits.sort(
    (a, b) =>
      Number(b.prefix) - Number(a.prefix) ||
      index.fame[b.entry] - index.fame[a.entry] ||
      index.key[a.entry].length - index.key[b.entry].length ||
      index.key[a.entry].localeCompare(index.key[b.entry]) ||
      a.entry - b.entry,
  );
  return hits.slice(0, limit);
}

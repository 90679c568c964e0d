// The search-as-you-type index of a version: every TMDB movie and platform title by the words of
// its title. Words are kept once, sorted, each with the entries it appears in, so a prefix is a
// binary search and a scan of neighbouring words.
import { normalizeKey } from '../../pipeline/normalize.js';
import type { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import type { PlatformTitle } from '../../pipeline/platforms/types.js';
import { nextTurn } from '../../pipeline/runtime/turns.js';
import type { PlatformTables } from '../platforms/tables.js';

export const MOVIE = 0;
export const TITLE = 1;

export interface TitleIndex {
  /** per entry: MOVIE or TITLE */
  kind: Uint8Array;
  /** per entry: a row of state.movies or an index into tables.titles */
  item: Int32Array;
  /** per entry: how well known (movies: vote count; titles: ratings, else their TMDB movie's votes) */
  fame: Float64Array;
  /** per entry e: its title's words in order, as vocabulary indexes, at entryWords[wordStart[e] .. wordStart[e + 1]) */
  wordStart: Int32Array;
  entryWords: Int32Array;
  /** every word, sorted; word v's entries at postings[postingStart[v] .. postingStart[v + 1]) (one array: not an object per word) */
  vocabulary: string[];
  postingStart: Int32Array;
  postings: Int32Array;
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a text as the index keeps them (lower case, no accents, no punctuation). */
export function titleWords(text: string): string[] {
  return normalizeKey(text).match(WORD) ?? [];
}

/** An entry's normalized title: its words joined by one space. */
export function entryKey(index: TitleIndex, e: number): string {
  let key = '';
  for (let i = index.wordStart[e]; i < index.wordStart[e + 1]; i++) key += (key ? ' ' : '') + index.vocabulary[index.entryWords[i]];
  return key;
}

/** Typed-array-backed index: a million titles are a few buffers, not a string and an array each. */
const CHUNK = 4096;

/** Built on the serving thread while calls go on: yields to the event loop every CHUNK entries. */
export async function buildTitleIndex(movies: MovieColumns, platforms: PlatformTables | null): Promise<TitleIndex> {
  const titles: readonly PlatformTitle[] = platforms?.present ? platforms.titles : [];
  const n = movies.length + titles.length;
  const kind = new Uint8Array(n);
  const item = new Int32Array(n);
  const fame = new Float64Array(n);
  const wordStart = new Int32Array(n + 1);
  let flat: Int32Array = new Int32Array(Math.max(16, n * 3));
  let used = 0;
  const idOf = new Map<string, number>();
  const words: string[] = [];
  const lists: number[][] = [];
  const add = (e: number, title: string) => {
    const w = titleWords(title);
    if (used + w.length > flat.length) {
      const next = new Int32Array(Math.max(flat.length * 2, used + w.length));
      next.set(flat.subarray(0, used));
      flat = next;
    }
    const first = used;
    for (const word of w) {
      let id = idOf.get(word);
      if (id === undefined) {
        idOf.set(word, (id = words.push(word) - 1));
        lists.push([]);
      }
      // a word twice in one title is posted once
      let again = false;
      for (let i = first; i < used && !again; i++) again = flat[i] === id;
      if (!again) lists[id].push(e);
      flat[used++] = id;
    }
    wordStart[e + 1] = used;
  };
  for (let row = 0; row < movies.length; row++) {
    if (row % CHUNK === CHUNK - 1) await nextTurn();
    kind[row] = MOVIE;
    item[row] = row;
    fame[row] = movies.voteCount[row];
    add(row, movies.title(row));
  }
  titles.forEach((t, j) => {
    const e = movies.length + j;
    kind[e] = TITLE;
    item[e] = j;
    const ratings = platforms!.scoreOf.get(t.id)?.count ?? 0;
    const movieId = platforms!.tmdbOf.get(t.id);
    const row = movieId !== undefined ? movies.rowOf(movieId) : -1;
    fame[e] = ratings > 0 ? ratings : row >= 0 ? movies.voteCount[row] : 0;
    add(e, t.title);
  });
  // renumber words in sorted order, so a prefix is a range of the vocabulary
  const order = words.map((_, i) => i).sort((a, b) => (words[a] < words[b] ? -1 : words[a] > words[b] ? 1 : 0));
  const rank = new Int32Array(words.length);
  order.forEach((id, r) => (rank[id] = r));
  const entryWords = flat.slice(0, used);
  for (let i = 0; i < used; i++) entryWords[i] = rank[entryWords[i]];
  const vocabulary = order.map((id) => words[id]);
  const postingStart = new Int32Array(words.length + 1);
  order.forEach((id, r) => (postingStart[r + 1] = postingStart[r] + lists[id].length));
  const postings = new Int32Array(postingStart[words.length]);
  order.forEach((id, r) => postings.set(lists[id], postingStart[r]));
  return { kind, item, fame, wordStart, entryWords, vocabulary, postingStart, postings };
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
  /** the entry's normalized title */
  key: string;
}

function hasWordStarting(index: TitleIndex, e: number, prefix: string): boolean {
  for (let i = index.wordStart[e]; i < index.wordStart[e + 1]; i++) if (index.vocabulary[index.entryWords[i]].startsWith(prefix)) return true;
  return false;
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
    for (let j = index.postingStart[v]; j < index.postingStart[v + 1]; j++) {
      const e = index.postings[j];
      if (seen.has(e)) continue;
      seen.add(e);
      if (!accept(index.kind[e])) continue;
      if (!rest.every((q) => hasWordStarting(index, e, q))) continue;
      const key = entryKey(index, e);
      hits.push({ entry: e, prefix: key.startsWith(query), key });
    }
  }
  hits.sort(
    (a, b) =>
      Number(b.prefix) - Number(a.prefix) ||
      index.fame[b.entry] - index.fame[a.entry] ||
      a.key.length - b.key.length ||
      a.key.localeCompare(b.key) ||
      a.entry - b.entry,
  );
  return hits.slice(0, limit);
}

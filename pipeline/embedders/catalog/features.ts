// What the catalog embedder counts in a movie: words of the free text, and whole names/phrases of
// the structured fields, each kind in its own namespace ("block") so a block can be weighted.
import type { MovieDoc } from '../types.js';
import { ngrams, phrase, words } from './tokenize.js';

export const BLOCKS = ['text', 'genre', 'keyword', 'director', 'cast', 'company'] as const;
export type Block = (typeof BLOCKS)[number];

const PREFIX: Record<Exclude<Block, 'text'>, string> = {
  genre: 'g:',
  keyword: 'k:',
  director: 'd:',
  cast: 'c:',
  company: 'p:',
};

/** The block a term belongs to (text words carry no prefix: the word pattern never yields ':'). */
export function blockOf(term: string): Block {
  if (term[1] !== ':') return 'text';
  switch (term[0]) {
    case 'g':
      return 'genre';
    case 'k':
      return 'keyword';
    case 'd':
      return 'director';
    case 'c':
      return 'cast';
    default:
      return 'company';
  }
}

function add(m: Map<string, number>, term: string, n = 1): void {
  m.set(term, (m.get(term) ?? 0) + n);
}

/** Raw term counts of one movie. Title words count `titleRepeat` times: a title is short and telling. */
export function docTerms(d: MovieDoc, titleRepeat: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of words(d.title)) add(m, w, titleRepeat);
  for (const w of words(d.tagline)) add(m, w);
  for (const w of words(d.overview)) add(m, w);
  const named = (block: Exclude<Block, 'text'>, names: string[]) => {
    for (const n of new Set(names.map(phrase))) if (n) add(m, PREFIX[block] + n);
  };
  named('genre', d.genres);
  named('keyword', d.keywords);
  named('director', d.directors);
  named('cast', d.cast);
  named('company', d.productionCompanies);
  return m;
}

/**
 * Term counts of a free-text query: its words, plus every run of up to 4 words that is a known
 * genre, keyword, person or company ("tom hanks", "time travel", "animation").
 */
export function queryTerms(text: string, known: (term: string) => boolean): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of words(text)) add(m, w);
  for (const g of new Set(ngrams(text))) {
    for (const p of Object.values(PREFIX)) if (known(p + g)) add(m, p + g);
  }
  return m;
}

import { isStopWord } from './stopwords.js';

// Word boundaries come from Intl.Segmenter (Unicode word rules), so "Schindler's", "Spider-Man"
// and accented titles split the way a reader would split them.
const segmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** Sequel numerals II..XX ("Rocky III"): numbering, not words. Single letters go anyway. */
const ROMAN_NUMERAL = /^x{0,2}(ix|iv|v?i{0,3})$/;

export interface TitleTokens {
  /** kept words, lower case, in title order (repeats kept) */
  words: string[];
  /** word tokens dropped as stop words */
  stopWords: number;
}

/**
 * The words of a title as counted by the report: lower case, a trailing possessive "'s" removed,
 * at least two characters with at least one letter ("3d" stays; "2" and "x" go), not a sequel
 * numeral (ii..xx), and not an English or Spanish stop word.
 */
export function titleWords(title: string): TitleTokens {
  const words: string[] = [];
  let stopWords = 0;
  for (const seg of segmenter.segment(title)) {
    if (!seg.isWordLike) continue;
    const word = seg.segment
      .toLowerCase()
      .replace(/[\u2019\u02bc]/g, "'")
      .replace(/'s$/, '');
    if ([...word].length < 2 || !/\p{L}/u.test(word) || ROMAN_NUMERAL.test(word)) continue;
    if (isStopWord(word)) {
      stopWords++;
      continue;
    }
    words.push(word);
  }
  return { words, stopWords };
}

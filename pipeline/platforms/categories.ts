import { normalizeKey } from '../normalize.js';

/**
 * Platform-neutral category words: each platform names its categories its own way ("Dramas",
 * "TV Dramas", "Drama", "Kids & Family Movies"), so they are compared, and embedded, as words
 * (lower-cased, singular, without generic words such as "TV" or "Movies").
 */
const GENERIC = new Set(['tv', 'movie', 'movies', 'show', 'shows', 'series', 'and', 'international', 'feature', 'features', 'the', 'for']);

export function categoryWords(listedIn: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const c of listedIn) {
    for (let w of normalizeKey(c).split(/[^a-z]+/)) {
      if (!w || GENERIC.has(w)) continue;
      if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
      else if (w.endsWith('s') && !w.endsWith('ss') && w.length > 3) w = w.slice(0, -1);
      out.add(w);
    }
  }
  return out;
}


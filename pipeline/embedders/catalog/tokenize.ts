// Text normalisation for the catalog embedder: case- and accent-folded word tokens, English stop
// words removed, plurals folded (a light s-stemmer; nothing heavier is needed for short overviews).

// Common English function words, plus words that only say "this is a film".
const STOP = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have having ' +
    'he her here hers herself him himself his how i if in into is it its itself just me more most my myself no ' +
    'nor not now of off on once only or other our ours ourselves out over own same she should so some such than ' +
    'that the their theirs them themselves then there these they this those through to too under until up upon ' +
    'very was we were what when where which while who whom why will with would you your yours yourself ' +
    'yourselves one two three must may might us become becomes becoming find finds get gets go goes make makes ' +
    'take takes new film movie story life'
  ).split(' '),
);

/** Lower case, accents removed (NFKD then combining marks dropped). */
export function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Harman's s-stemmer: folds the common English plural endings. */
export function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies') && !/[ae]ies$/.test(w)) return w.slice(0, -3) + 'y';
  if (w.length > 3 && w.endsWith('es') && !/[aeo]es$/.test(w)) return w.slice(0, -1);
  if (w.length > 3 && w.endsWith('s') && !/[us]s$/.test(w)) return w.slice(0, -1);
  return w;
}

const WORD_RE = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;

/** Content words of free text, folded and stemmed, in order. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of fold(text).matchAll(WORD_RE)) {
    let w = m[0].replace(/'s$/, '').replace(/'/g, '');
    if (w.length < 2 || STOP.has(w) || /^\d+$/.test(w)) continue;
    w = stem(w);
    if (!STOP.has(w)) out.push(w);
  }
  return out;
}

/** A name or keyword as one token: folded, internal whitespace collapsed, words stemmed. */
export function phrase(s: string): string {
  return fold(s)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .map(stem)
    .join(' ');
}

/** All runs of 1..maxLen consecutive folded words of a query (for matching names and keywords). */
export function ngrams(text: string, maxLen = 4): string[] {
  const ws = fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .map(stem);
  const out: string[] = [];
  for (let n = 1; n <= maxLen; n++) {
    for (let i = 0; i + n <= ws.length; i++) out.push(ws.slice(i, i + n).join(' '));
  }
  return out;
}

// Text normalization shared by the pipeline (linking catalogs) and the service (every lookup): a
// query and a catalog name match when their keys are equal.

const COMBINING_MARKS = /\p{M}+/gu;
const SPACES = /\s+/gu;

/**
 * The match key of a text: trimmed, whitespace collapsed, NFKD-decomposed with combining marks
 * stripped (accent-insensitive; NFKD also folds compatibility forms such as ligatures and
 * full-width letters) and lower-cased (case-insensitive).
 * "  Amélie  " -> "amelie", "ÉL  Niño" -> "el nino".
 */
export function normalizeKey(text: string): string {
  // Most names are printable ASCII words separated by single spaces: for those NFKD, mark
  // stripping, whitespace collapsing and trimming change nothing, and lower-casing is the key
  // (a quarter of the cost at millions of names per catalog load).
  if (PLAIN_ASCII.test(text)) return text.toLowerCase();
  return normalizeKeyFully(text);
}

const PLAIN_ASCII = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;

/** normalizeKey without the ASCII shortcut (its reference in tests). */
export function normalizeKeyFully(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(SPACES, ' ').trim();
}

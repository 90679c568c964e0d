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
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(SPACES, ' ').trim();
}

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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over UTF-16 units: the hash of a key in the typed lookup tables, always checked against the key on a hit. */
export function keyHash(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/**
 * keyHash(normalizeKey(text)) of the UTF-8 text bytes[from, to) when it is plain ASCII words
 * (PLAIN_ASCII: its key is its lower case, and a byte is a UTF-16 unit), else -1: the catalog's
 * names are hashed at load without making a string of each.
 */
export function plainKeyHash(bytes: Uint8Array, from: number, to: number): number {
  if (from === to) return -1;
  let h = FNV_OFFSET;
  let afterSpace = true; // a leading space is not plain
  for (let k = from; k < to; k++) {
    const c = bytes[k];
    if (c === 0x20) {
      if (afterSpace) return -1;
      afterSpace = true;
    } else if (c < 0x21 || c > 0x7e) return -1;
    else afterSpace = false;
    h = Math.imul(h ^ asciiLower(c), FNV_PRIME);
  }
  return afterSpace ? -1 : h >>> 0;
}

/** Whether a[af, at) and b[bf, bt), both plain (plainKeyHash >= 0), have the same key: equal up to ASCII case. */
export function samePlainKey(a: Uint8Array, af: number, at: number, b: Uint8Array, bf: number, bt: number): boolean {
  if (at - af !== bt - bf) return false;
  for (let k = 0; k < at - af; k++) if (asciiLower(a[af + k]) !== asciiLower(b[bf + k])) return false;
  return true;
}

function asciiLower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** normalizeKey without the ASCII shortcut (its reference in tests). */
export function normalizeKeyFully(text: string): string {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().replace(SPACES, ' ').trim();
}

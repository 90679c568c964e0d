// Bounds on raw field sizes, in characters. A row with a longer field is quarantined
// (oversized_field), never cut: published, a 10 MB overview makes GetMovie answers that default
// clients refuse (4 MB), and at 20 MB the server cannot send them at all. The bounds sit far above
// anything real (the longest overview in the full TMDB export is about 1,000 characters; the
// longest credits crew literal a few hundred KB), so only broken or hostile input hits them.
import { INVALID_UTF8_MARK } from '../sources/utf8-guard.js';
import type { QuarantineReason } from '../types.js';

const KIB = 1024;
export const DEFAULT_FIELD_LIMIT = 64 * KIB;

/** Per table and column; other columns get DEFAULT_FIELD_LIMIT. */
export const FIELD_LIMITS: Record<string, Record<string, number>> = {
  credits: { cast: 2048 * KIB, crew: 4096 * KIB },
  keywords: { keywords: 512 * KIB },
};

export function fieldLimit(table: string, column: string): number {
  return FIELD_LIMITS[table]?.[column] ?? DEFAULT_FIELD_LIMIT;
}

/**
 * The first problem with a row's fields, or null: bytes that were not UTF-8 (marked by the reader)
 * first, then a field over its bound.
 */
export function checkFields(
  table: string,
  header: readonly string[],
  fields: readonly string[],
): { reason: QuarantineReason; detail: string } | null {
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.includes(INVALID_UTF8_MARK)) {
      const at = f.indexOf(INVALID_UTF8_MARK);
      return { reason: 'invalid_utf8', detail: `column ${header[i] ?? i + 1}: bytes that are not UTF-8 at character ${at}` };
    }
  }
  for (let i = 0; i < fields.length; i++) {
    const column = header[i] ?? String(i + 1);
    const limit = fieldLimit(table, column);
    if (fields[i].length > limit) {
      return { reason: 'oversized_field', detail: `column ${column}: ${fields[i].length.toLocaleString('en-US')} characters, over the bound of ${limit.toLocaleString('en-US')}` };
    }
  }
  return null;
}

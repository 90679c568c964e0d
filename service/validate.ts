import { invalidArgument } from './errors.js';

/** Longest text accepted in any name/title field. */
export const MAX_TEXT = 200;

/** A required text field: trimmed, non-empty, at most MAX_TEXT characters. */
export function requireText(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string') throw invalidArgument(`${field} must be a string: ${what}`, { reason: 'BAD_TYPE' });
  const v = value.trim();
  if (v.length === 0) throw invalidArgument(`${field} is required: ${what}`, { reason: 'EMPTY' });
  if (v.length > MAX_TEXT) {
    throw invalidArgument(`${field} is too long (${v.length} characters; at most ${MAX_TEXT}): ${what}`, { reason: 'TOO_LONG' });
  }
  return v;
}

/** An integer field in [min, max]; `zeroMeans` documents what 0 (unset) stands for. */
export function intIn(value: unknown, field: string, min: number, max: number, zeroMeans?: string): number {
  const n = typeof value === 'number' ? value : Number.NaN;
  if (n === 0 && zeroMeans !== undefined) return 0;
  if (!Number.isInteger(n) || n < min || n > max) {
    const unset = zeroMeans !== undefined ? ` (or 0 for ${zeroMeans})` : '';
    throw invalidArgument(`${field} must be a whole number from ${min} to ${max}${unset}; got ${String(value)}`, {
      reason: 'OUT_OF_RANGE',
    });
  }
  return n;
}

export const DEFAULT_PAGE = 10;
export const MAX_PAGE = 100;
export const MAX_OFFSET = 1_000_000;

/** limit/offset of a page request (limit 0 = default). */
export function page(req: { limit?: unknown; offset?: unknown }): { limit: number; offset: number } {
  const limit = intIn(req.limit ?? 0, 'limit', 1, MAX_PAGE, `the default ${DEFAULT_PAGE}`) || DEFAULT_PAGE;
  const offset = intIn(req.offset ?? 0, 'offset', 0, MAX_OFFSET);
  return { limit, offset };
}

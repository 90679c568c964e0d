import { invalidArgument } from '../errors.js';
import { MONTHS, WEEKDAYS, type NamedNumbers } from '../normalize/intl.js';
import { normalizeKey } from '../normalize/text.js';
import { Suggester } from '../normalize/fuzzy.js';
import type { CatalogState } from '../state.js';
import { page, requireText } from '../validate.js';
import { movieRefAt } from './messages.js';

interface PageRequest {
  limit?: number;
  offset?: number;
}

const MONTH_HELP = 'a month number 1-12, or its name or abbreviation in Spanish or English (e.g. "marzo", "March", "mar")';
const WEEKDAY_HELP =
  'a weekday number 1-7 in ISO 8601 order (1 = Monday ... 7 = Sunday), or its name or abbreviation in Spanish or English (e.g. "lunes", "Monday", "lun")';

const monthSuggester = new Suggester([...MONTHS.en.slice(1), ...MONTHS.es.slice(1)]);
const weekdaySuggester = new Suggester([...WEEKDAYS.en.slice(1), ...WEEKDAYS.es.slice(1)]);

/** "3", "03", "marzo", "Mar" -> 3; anything else is INVALID_ARGUMENT saying what is accepted. */
export function parseNamedNumber(raw: unknown, field: string, table: NamedNumbers, help: string, suggester: Suggester): number {
  const text = requireText(raw, field, help);
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= table.min && n <= table.max) return n;
    throw invalidArgument(`${field} ${text} is out of range: use ${help}`, { reason: 'OUT_OF_RANGE' });
  }
  const n = table.byKey.get(normalizeKey(text));
  if (n !== undefined) return n;
  throw invalidArgument(`unknown ${field} ${JSON.stringify(text)}: use ${help}`, {
    reason: `UNKNOWN_${field.toUpperCase()}`,
    suggestions: suggester.suggest(text, 3),
  });
}

function pageOf(state: CatalogState, list: Int32Array, req: PageRequest) {
  const { limit, offset } = page(req);
  const movies = Array.from(list.subarray(offset, offset + limit), (row) => movieRefAt(state.movies, row));
  const next = offset + limit;
  return { count: list.length, movies, nextOffset: next < list.length ? next : 0 };
}

export function releasesByMonth(state: CatalogState, req: { month?: string } & PageRequest) {
  const month = parseNamedNumber(req.month, 'month', MONTHS, MONTH_HELP, monthSuggester);
  const p = pageOf(state, state.tables.byMonth[month], req);
  return { month, monthNameEn: MONTHS.en[month], monthNameEs: MONTHS.es[month], ...p };
}

export function releasesByWeekday(state: CatalogState, req: { weekday?: string } & PageRequest) {
  const weekday = parseNamedNumber(req.weekday, 'weekday', WEEKDAYS, WEEKDAY_HELP, weekdaySuggester);
  const p = pageOf(state, state.tables.byWeekday[weekday], req);
  return { weekday, weekdayNameEn: WEEKDAYS.en[weekday], weekdayNameEs: WEEKDAYS.es[weekday], ...p };
}

// Month, weekday, language and country names in Spanish and English, built from Intl (not by hand).
import { normalizeKey } from './text.js';

const LOCALES = ['en', 'es'] as const;

function dateName(locale: string, opts: Intl.DateTimeFormatOptions, date: number): string {
  // Some locales end abbreviations with a period ("sept."): accept them with or without it.
  return new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'UTC' }).format(date).replace(/\.$/, '');
}

/** A small closed set of names -> value (months, weekdays), with the canonical names per locale. */
export interface NamedNumbers {
  /** normalized name or abbreviation (es/en) -> number */
  byKey: Map<string, number>;
  /** index = number; [0] unused */
  en: string[];
  es: string[];
  min: number;
  max: number;
}

function namedNumbers(count: number, dateOf: (n: number) => number, field: 'month' | 'weekday'): NamedNumbers {
  const byKey = new Map<string, number>();
  const conflicts = new Set<string>();
  const en = [''];
  const es = [''];
  for (let n = 1; n <= count; n++) {
    const d = dateOf(n);
    en.push(dateName('en', { [field]: 'long' }, d));
    es.push(dateName('es', { [field]: 'long' }, d));
    for (const locale of LOCALES) {
      for (const style of ['long', 'short'] as const) {
        const key = normalizeKey(dateName(locale, { [field]: style }, d));
        const prev = byKey.get(key);
        if (prev !== undefined && prev !== n) conflicts.add(key);
        else byKey.set(key, n);
      }
    }
  }
  for (const key of conflicts) byKey.delete(key); // a name that means two things means neither
  return { byKey, en, es, min: 1, max: count };
}

/** Months 1-12: "enero"/"January"/"ene"/"Jan". */
export const MONTHS: NamedNumbers = namedNumbers(12, (m) => Date.UTC(2000, m - 1, 15), 'month');

/** ISO 8601 weekdays, 1 = Monday ... 7 = Sunday: "lunes"/"Monday"/"lun"/"Mon". 2024-01-01 was a Monday. */
export const WEEKDAYS: NamedNumbers = namedNumbers(7, (d) => Date.UTC(2024, 0, d), 'weekday');

/** ISO weekday (1 = Monday ... 7 = Sunday) of a YYYY-MM-DD date. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

const displayNames = new Map<string, Intl.DisplayNames>();
const intlCache = new Map<string, { en?: string; es?: string; native?: string }>();

/**
 * Intl's English, Spanish (and for languages, native) names of a code; {} for a deprecated code,
 * whose Intl name is its successor's. Memoized: the same for every catalog version.
 */
function intlNamesOf(kind: 'language' | 'region', code: string): { en?: string; es?: string; native?: string } {
  const cacheKey = `${kind}:${code}`;
  const hit = intlCache.get(cacheKey);
  if (hit) return hit;
  const dn = (locale: string) => {
    const k = `${kind}:${locale}`;
    let d = displayNames.get(k);
    if (!d) displayNames.set(k, (d = new Intl.DisplayNames([locale], { type: kind, fallback: 'none' })));
    return d;
  };
  let names: { en?: string; es?: string; native?: string } = {};
  try {
    const canonical =
      kind === 'language' ? Intl.getCanonicalLocales(code)[0] === code : Intl.getCanonicalLocales(`und-${code}`)[0] === `und-${code}`;
    if (canonical) {
      names = { en: dn('en').of(code), es: dn('es').of(code) };
      if (kind === 'language' && names.en) names.native = dn(code).of(code);
    }
  } catch {
    names = {};
  }
  intlCache.set(cacheKey, names);
  return names;
}

/**
 * Codes (ISO 639-1 languages or ISO 3166-1 alpha-2 regions) and their names.
 * Accepted forms, first claim wins on a clash: codes present in the catalog; the catalog's own
 * names for them; Intl names in English, Spanish (and for languages the language's own name)
 * of present codes; then the same for every other code Intl knows (they answer with count 0).
 * Deprecated codes present in the catalog (TMDB's "SU" Soviet Union) keep the catalog's name:
 * Intl would name their successor ("Russia").
 */
export class CodeNames {
  private readonly byKey = new Map<string, string>();
  private readonly en = new Map<string, string>();
  private readonly es = new Map<string, string>();
  /** names offered as suggestions, most relevant first */
  readonly suggestionNames: string[] = [];

  constructor(
    readonly kind: 'language' | 'region',
    /** code -> number of movies (drives priority) */
    present: Map<string, number>,
    /** code -> names the catalog itself uses */
    catalogNames: Map<string, string[]> = new Map(),
  ) {
    const intlNames = (code: string) => intlNamesOf(kind, code);
    const claim = (name: string | undefined, code: string) => {
      if (!name) return;
      const key = normalizeKey(name);
      if (key.length > 0 && !this.byKey.has(key)) this.byKey.set(key, code);
    };
    const fmt = (c: string) => (kind === 'language' ? c.toLowerCase() : c.toUpperCase());

    const presentCodes = [...present.entries()]
      .filter(([c]) => c.length > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([c]) => fmt(c));
    const allCodes: string[] = [];
    for (let a = 97; a <= 122; a++) for (let b = 97; b <= 122; b++) allCodes.push(fmt(String.fromCharCode(a, b)));
    const otherCodes = allCodes.filter((c) => !present.has(c) && intlNames(c).en);

    for (const code of presentCodes) claim(code, code);
    for (const code of presentCodes) for (const n of catalogNames.get(code) ?? []) claim(n, code);
    for (const codes of [presentCodes, otherCodes]) {
      for (const code of codes) {
        const names = intlNames(code);
        const catalogName = catalogNames.get(code)?.[0];
        // English: Intl's name, or the catalog's when Intl has none (or names a successor).
        this.en.set(code, (kind === 'region' && catalogName) || names.en || catalogName || code);
        this.es.set(code, names.es || catalogName || names.en || code);
        claim(names.en, code);
        claim(names.es, code);
        claim(names.native, code);
        if (codes === otherCodes) claim(code, code);
        for (const n of new Set([this.en.get(code)!, this.es.get(code)!])) this.suggestionNames.push(n);
      }
    }
  }

  /** The code a query names (code or any accepted name), or undefined. */
  resolve(query: string): string | undefined {
    return this.byKey.get(normalizeKey(query));
  }

  nameEn(code: string): string {
    return this.en.get(code) ?? code;
  }

  nameEs(code: string): string {
    return this.es.get(code) ?? code;
  }
}

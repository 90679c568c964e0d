// The cleaning rules of the platform catalogs (DESIGN.md, "The streaming-platform catalog"), as
// pure functions: one raw row in, one title (and the repairs made) or the reason it is refused out.
import { normalizeKey } from '../normalize.js';
import { PLATFORMS, type Platform, type PlatformTitle } from './types.js';

export const PLATFORM_LETTER: Record<Platform, string> = { amazon: 'a', disney: 'd', hulu: 'h', netflix: 'n' };

/** Display names, as the catalogs' publisher named the platforms. */
export const PLATFORM_DISPLAY: Record<Platform, string> = { amazon: 'Amazon Prime Video', disney: 'Disney+', hulu: 'Hulu', netflix: 'Netflix' };

const ALIASES: Record<Platform, string[]> = {
  amazon: ['amazon', 'amazon prime', 'amazon prime video', 'prime video', 'prime', 'a'],
  disney: ['disney', 'disney+', 'disney plus', 'd'],
  hulu: ['hulu', 'h'],
  netflix: ['netflix', 'n'],
};
const BY_ALIAS = new Map<string, Platform>(PLATFORMS.flatMap((p) => ALIASES[p].map((a) => [normalizeKey(a), p] as [string, Platform])));

/** A platform named any accepted way (any case, `Disney+`, `Prime Video`, the letter), or null. */
export function platformOf(name: string): Platform | null {
  return BY_ALIAS.get(normalizeKey(name)) ?? null;
}

/** What callers may write, for error messages. */
export const ACCEPTED_PLATFORM_NAMES = 'amazon (Amazon Prime, Prime Video, a), disney (Disney+, Disney Plus, d), hulu (h), netflix (n)';

const FILE_RE = /^(amazon|disney|hulu|netflix)[a-z_]*_titles.*\.csv(\.gz)?$/i;

/** The platform whose title list a file is (`amazon_prime_titles.csv.gz` -> amazon), or null. */
export function platformOfFile(fileName: string): Platform | null {
  const m = FILE_RE.exec(fileName);
  return m ? (m[1].toLowerCase() as Platform) : null;
}

export const TITLE_COLUMNS = ['show_id', 'type', 'title', 'director', 'cast', 'country', 'date_added', 'release_year', 'rating', 'duration', 'listed_in', 'description'] as const;

/** `90 min`, `1 Season`, `2 Seasons` -> number + type; null when unreadable. */
export function parseDuration(text: string): { value: number; type: 'min' | 'season' } | null {
  const m = /^\s*(\d{1,5})\s*(min|mins|minutes?|seasons?)\s*$/i.exec(text);
  if (!m) return null;
  const value = Number(m[1]);
  if (value <= 0) return null;
  return { value, type: /^s/i.test(m[2]) ? 'season' : 'min' };
}

const MONTHS = (() => {
  const m = new Map<string, number>();
  for (let i = 0; i < 12; i++) {
    const d = new Date(Date.UTC(2021, i, 15));
    for (const month of ['long', 'short'] as const) {
      m.set(new Intl.DateTimeFormat('en', { month, timeZone: 'UTC' }).format(d).toLowerCase(), i + 1);
    }
  }
  m.set('sept', 9);
  return m;
})();

/** `September 25, 2021` (leading space allowed) -> `2021-09-25`; null when empty or not a real date. */
export function parseDateAdded(text: string): string | null {
  const m = /^\s*([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})\s*$/.exec(text);
  if (!m) return null;
  const month = MONTHS.get(m[1].toLowerCase());
  const day = Number(m[2]);
  const year = Number(m[3]);
  if (!month) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

/** A comma-separated list: parts trimmed, empty parts dropped. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export type Repair = 'duration_moved' | 'rating_defaulted' | 'duration_unknown' | 'date_added_unknown' | 'cast_placeholders_dropped';

export type CleanOutcome =
  | { ok: true; title: PlatformTitle; repairs: Partial<Record<Repair, number>> }
  | { ok: false; reason: 'bad_id' | 'unexpected_value'; detail: string };

const MISPLACED_DURATION = /^\s*\d+\s*(min|mins|minutes?|seasons?)\s*$/i;

/** Applies every rule to one row (fields by column name). */
export function cleanTitle(platform: Platform, f: Record<string, string>): CleanOutcome {
  const showId = (f.show_id ?? '').trim();
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(showId)) {
    return { ok: false, reason: 'bad_id', detail: `show_id ${JSON.stringify(showId.slice(0, 40))} is not an id` };
  }
  const rawType = (f.type ?? '').trim();
  const type = rawType === 'Movie' ? 'movie' : rawType === 'TV Show' ? 'show' : null;
  if (!type) return { ok: false, reason: 'unexpected_value', detail: `type ${JSON.stringify(rawType.slice(0, 40))} is neither "Movie" nor "TV Show"` };
  const yearText = (f.release_year ?? '').trim();
  if (!/^\d{4}$/.test(yearText)) return { ok: false, reason: 'unexpected_value', detail: `release_year ${JSON.stringify(yearText.slice(0, 40))} is not a year` };
  const title = (f.title ?? '').trim();
  if (!title) return { ok: false, reason: 'unexpected_value', detail: 'title is empty' };

  const repairs: Partial<Record<Repair, number>> = {};
  let rating = (f.rating ?? '').trim();
  let durationText = (f.duration ?? '').trim();
  // Some Hulu and Netflix rows carry the duration in `rating` with `duration` empty: move it back.
  if (durationText === '' && MISPLACED_DURATION.test(rating)) {
    durationText = rating;
    rating = '';
    repairs.duration_moved = 1;
  }
  if (rating === '') {
    rating = 'G';
    repairs.rating_defaulted = 1;
  }
  const duration = parseDuration(durationText);
  if (!duration) repairs.duration_unknown = 1;
  const dateAdded = parseDateAdded(f.date_added ?? '');
  if (!dateAdded) repairs.date_added_unknown = 1;
  const castAll = splitList(f.cast ?? '');
  const cast = castAll.filter((c) => !/^\d+$/.test(c));
  if (cast.length < castAll.length) repairs.cast_placeholders_dropped = castAll.length - cast.length;

  return {
    ok: true,
    repairs,
    title: {
      id: PLATFORM_LETTER[platform] + showId,
      platform,
      showId,
      type,
      title,
      directors: splitList(f.director ?? ''),
      cast,
      countries: splitList(f.country ?? ''),
      dateAdded,
      releaseYear: Number(yearText),
      rating,
      durationInt: duration?.value ?? null,
      durationType: duration?.type ?? null,
      listedIn: splitList(f.listed_in ?? ''),
      description: (f.description ?? '').trim(),
    },
  };
}

// The streaming-platform catalog: what the platforms stages publish and the service reads.

export const PLATFORMS = ['amazon', 'disney', 'hulu', 'netflix'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** One cleaned platform title: a line of `platforms/titles.jsonl`. */
export interface PlatformTitle {
  /** platform letter + show_id: as123, ds9, hs45, ns2186 */
  id: string;
  platform: Platform;
  showId: string;
  type: 'movie' | 'show';
  /** as published (display); matched case- and accent-insensitively */
  title: string;
  directors: string[];
  /** placeholders (digits only) removed */
  cast: string[];
  countries: string[];
  /** YYYY-MM-DD, or null when missing or unreadable */
  dateAdded: string | null;
  releaseYear: number;
  /** maturity rating; an empty one is G */
  rating: string;
  /** null when the duration is missing or unreadable (never 0) */
  durationInt: number | null;
  durationType: 'min' | 'season' | null;
  listedIn: string[];
  description: string;
}

/** A title's score from its user ratings: a line of `platforms/scores.jsonl`. */
export interface TitleScore {
  id: string;
  mean: number;
  /** ratings counted; 0 when only the per-title mean file was available */
  count: number;
  /** ratings per half star, 0.5 ... 5.0 (10 bins); empty when only means were available */
  histogram: number[];
}

/** TMDB movie <-> platform title: a line of `platforms/links.jsonl`. */
export interface WatchLink {
  movieId: number;
  titleId: string;
  platform: Platform;
  /** same-year: same normalized title and release year; near-year: one year apart, a director matching */
  rule: 'same-year' | 'near-year';
}

export const PLATFORM_FILES = {
  dir: 'platforms',
  titles: 'platforms/titles.jsonl',
  quarantine: 'platforms/quarantine.jsonl',
  scores: 'platforms/scores.jsonl',
  links: 'platforms/links.jsonl',
  ambiguous: 'platforms/links-ambiguous.jsonl',
} as const;

import type { Movie } from '../types.js';
import type { MovieDoc } from './types.js';

/** How many top-billed cast names count: beyond this, cast lists are mostly extras. */
export const TOP_CAST = 5;

export function movieDoc(m: Movie): MovieDoc {
  return {
    title: m.title ?? '',
    tagline: m.tagline ?? '',
    overview: m.overview ?? '',
    genres: m.genres ?? [],
    keywords: m.keywords ?? [],
    directors: m.directors ?? [],
    cast: (m.cast ?? []).slice(0, TOP_CAST),
    productionCompanies: m.productionCompanies ?? [],
  };
}

/** Bump when renderText changes: it is part of the transformers fingerprint. */
export const TEXT_TEMPLATE_VERSION = 1;

/**
 * The sentence(s) a language model reads for one movie. Title, genres and overview come first
 * because long texts are cut at the model's token limit; names and keywords follow.
 */
export function renderText(d: MovieDoc): string {
  const parts: string[] = [];
  parts.push(d.title.trim() + '.');
  if (d.genres.length) parts.push(`Genres: ${d.genres.join(', ')}.`);
  if (d.tagline.trim()) parts.push(d.tagline.trim());
  if (d.overview.trim()) parts.push(d.overview.trim().replace(/\s+/g, ' '));
  if (d.keywords.length) parts.push(`Keywords: ${d.keywords.join(', ')}.`);
  if (d.directors.length) parts.push(`Directed by ${d.directors.join(', ')}.`);
  if (d.cast.length) parts.push(`Starring ${d.cast.join(', ')}.`);
  return parts.join(' ');
}

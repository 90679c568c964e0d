// Platform titles -> wire messages (proto-loader's lowerCamelCase field names).
import { PLATFORM_DISPLAY } from '../../pipeline/platforms/rules.js';
import type { PlatformTitle, WatchLink } from '../../pipeline/platforms/types.js';
import type { PlatformTables } from './tables.js';

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export function titleRef(t: PlatformTitle, tables: PlatformTables) {
  const s = tables.scoreOf.get(t.id);
  return {
    id: t.id,
    platform: t.platform,
    title: t.title,
    type: t.type,
    releaseYear: t.releaseYear,
    ...(t.durationInt !== null && { duration: t.durationInt }),
    durationType: t.durationType ?? '',
    ...(s && { score: round(s.mean) }),
  };
}

export function titleMessage(t: PlatformTitle, tables: PlatformTables) {
  const s = tables.scoreOf.get(t.id);
  return {
    id: t.id,
    platform: t.platform,
    showId: t.showId,
    type: t.type,
    title: t.title,
    directors: t.directors,
    cast: t.cast,
    countries: t.countries,
    dateAdded: t.dateAdded ?? '',
    releaseYear: t.releaseYear,
    rating: t.rating,
    ...(t.durationInt !== null && { duration: t.durationInt }),
    durationType: t.durationType ?? '',
    listedIn: t.listedIn,
    description: t.description,
    ...(s && { score: round(s.mean) }),
    scoreCount: s?.count ?? 0,
    scoreHistogram: s?.histogram ?? [],
    tmdbId: tables.tmdbOf.get(t.id) ?? 0,
  };
}

/** A TMDB movie's platform titles, as WatchOption messages (platform order, then id). */
export function watchOptions(movieId: number, tables: PlatformTables | null | undefined) {
  const links: WatchLink[] = tables?.watch.get(movieId) ?? [];
  return links.map((l) => {
    const t = tables!.byId.get(l.titleId.toLowerCase());
    const s = tables!.scoreOf.get(l.titleId);
    return {
      platform: l.platform,
      platformName: PLATFORM_DISPLAY[l.platform],
      titleId: l.titleId,
      title: t?.title ?? '',
      ...(s && { score: round(s.mean) }),
      rule: l.rule,
    };
  });
}

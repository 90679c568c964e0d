// The `link` stage ("where to watch"): which platform titles are which TMDB movies. A platform title
// of type Movie is the TMDB movie with the same normalized title and the same release year; one
// year apart is allowed only when a director also matches. Nothing is guessed: a title that fits
// several movies is left unlinked and listed (platforms/links-ambiguous.jsonl).
import path from 'node:path';
import { readJsonl } from '../artifacts/files.js';
import { readCatalogColumns } from '../catalog-columns/files.js';
import { CATALOG_COLUMNS_FILE } from '../catalog-columns/schema.js';
import { BufferedJsonlWriter } from '../etl/lines.js';
import { normalizeKey } from '../normalize.js';
import { timedStage, type StageContext } from '../stages/context.js';
import type { StageResult } from '../types.js';
import { PLATFORM_FILES, type PlatformTitle, type WatchLink } from './types.js';

interface Candidate {
  id: number;
  title: string;
  year: number;
  directors: Set<string>;
}

export interface AmbiguousLink {
  titleId: string;
  title: string;
  releaseYear: number;
  rule: WatchLink['rule'];
  candidates: { movieId: number; title: string; releaseYear: number }[];
}

export type LinkDecision =
  | { kind: 'linked'; movieId: number; rule: WatchLink['rule'] }
  | { kind: 'ambiguous'; rule: WatchLink['rule']; candidates: Candidate[] }
  | { kind: 'unlinked' };

/** The rule for one platform movie against the TMDB movies sharing its normalized title. */
export function decideLink(t: Pick<PlatformTitle, 'releaseYear' | 'directors'>, candidates: Candidate[]): LinkDecision {
  const same = candidates.filter((c) => c.year === t.releaseYear);
  if (same.length === 1) return { kind: 'linked', movieId: same[0].id, rule: 'same-year' };
  if (same.length > 1) return { kind: 'ambiguous', rule: 'same-year', candidates: same };
  const directors = t.directors.map(normalizeKey);
  const near = candidates.filter((c) => Math.abs(c.year - t.releaseYear) === 1 && directors.some((d) => c.directors.has(d)));
  if (near.length === 1) return { kind: 'linked', movieId: near[0].id, rule: 'near-year' };
  if (near.length > 1) return { kind: 'ambiguous', rule: 'near-year', candidates: near };
  return { kind: 'unlinked' };
}

export async function runLink(ctx: StageContext): Promise<StageResult> {
  return timedStage('link', async () => {
    // platform titles first (tens of thousands), so only the TMDB movies sharing one of their
    // titles are held, however large the catalog
    const titles: PlatformTitle[] = [];
    for await (const t of readJsonl<PlatformTitle>(path.join(ctx.dir, PLATFORM_FILES.titles))) titles.push(t);
    const wanted = new Set(titles.filter((t) => t.type === 'movie').map((t) => normalizeKey(t.title)));
    const byTitle = new Map<string, Candidate[]>();
    const catalog = await readCatalogColumns(path.join(ctx.dir, CATALOG_COLUMNS_FILE));
    const movies = catalog.length;
    const crew = catalog.lists.directors;
    for (let row = 0; row < movies && wanted.size > 0; row++) {
      const title = catalog.title(row);
      const key = normalizeKey(title);
      if (!wanted.has(key)) continue;
      const directors = new Set<string>();
      for (let i = crew.offsets[row]; i < crew.offsets[row + 1]; i++) directors.add(normalizeKey(crew.values.get(crew.codes[i])));
      const c: Candidate = { id: catalog.id[row], title, year: catalog.releaseYear[row], directors };
      const list = byTitle.get(key);
      if (list) list.push(c);
      else byTitle.set(key, [c]);
    }
    const links = new BufferedJsonlWriter<WatchLink>(path.join(ctx.dir, PLATFORM_FILES.links));
    const ambiguous = new BufferedJsonlWriter<AmbiguousLink>(path.join(ctx.dir, PLATFORM_FILES.ambiguous));
    const counts: Record<string, number> = { link_titles_linked: 0, link_titles_linked_near_year: 0, link_titles_ambiguous: 0, link_titles_unlinked: 0, link_shows_not_linked: 0 };
    const linkedMovies = new Set<number>();
    for (const t of titles) {
      if (t.type !== 'movie') {
        counts.link_shows_not_linked++;
        continue;
      }
      const d = decideLink(t, byTitle.get(normalizeKey(t.title)) ?? []);
      if (d.kind === 'linked') {
        counts.link_titles_linked++;
        if (d.rule === 'near-year') counts.link_titles_linked_near_year++;
        linkedMovies.add(d.movieId);
        await links.write({ movieId: d.movieId, titleId: t.id, platform: t.platform, rule: d.rule });
      } else if (d.kind === 'ambiguous') {
        counts.link_titles_ambiguous++;
        await ambiguous.write({
          titleId: t.id,
          title: t.title,
          releaseYear: t.releaseYear,
          rule: d.rule,
          candidates: d.candidates.map((c) => ({ movieId: c.id, title: c.title, releaseYear: c.year })),
        });
      } else {
        counts.link_titles_unlinked++;
      }
    }
    await links.close();
    await ambiguous.close();
    counts.link_movies_with_platforms = linkedMovies.size;
    counts.link_movies_without_platforms = movies - linkedMovies.size;
    ctx.log.info(counts, 'platform titles linked to TMDB movies');
    return { counts, files: { platformLinks: PLATFORM_FILES.links, platformLinksAmbiguous: PLATFORM_FILES.ambiguous } };
  });
}

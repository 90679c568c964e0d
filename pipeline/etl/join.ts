// Transform's join, in pieces two threads can share: the credits and keywords routed to their
// movie's id-range partition (while the movies are cleaned), then runs of partitions joined into
// catalog columns (each thread a run; the second's columns appended to the first's). Whether a
// credits or keywords row has a movie is decided at the join, so routing needs no set of movie ids.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogColumnsBuilder } from '../catalog-columns/builder.js';
import type { Movie } from '../types.js';
import { castNames, directorNames, names, type Tally } from './cleaning.js';
import type { ExtractedCredits, ExtractedKeywords } from './extracted.js';
import { BufferedJsonlWriter, readJsonLines } from './lines.js';
import { IdRanges, PartitionFiles, partitionFile } from './partitions.js';

/** A credits row reduced to what the catalog keeps; `unnamed`: its cast entries without a name (counted if its movie is kept). */
export interface CreditsJoin {
  id: number;
  cast: string[];
  directors: string[];
  unnamed?: number;
}

export interface KeywordsJoin {
  id: number;
  keywords: string[];
  unnamed?: number;
}

/** The id ranges' settings, so another thread builds the same IdRanges. */
export interface RangeSpec {
  min: number;
  max: number;
  count: number;
  perPartition: number;
}

export const rangesOf = (r: RangeSpec) => new IdRanges(r.min, r.max, r.count, r.perPartition);

export const PARTS = { movies: 'movies', credits: 'credits', keywords: 'keywords' } as const;

/** Counts the entries a row's cleaning tallies (castNames and names tally one key each). */
function rowCounter(): { tally: Tally; take(): number } {
  let n = 0;
  return {
    tally: (_k, by = 1) => void (n += by),
    take: () => {
      const v = n;
      n = 0;
      return v;
    },
  };
}

/** Streams extract's credits into per-partition files (input order kept: a later row for a movie replaces an earlier one at the join). */
export async function routeCredits(file: string, ranges: IdRanges, tmpDir: string, onRow: () => void): Promise<void> {
  const parts = await PartitionFiles.create<CreditsJoin>(tmpDir, PARTS.credits, ranges.parts);
  const unnamed = rowCounter();
  try {
    for await (const c of readJsonLines<ExtractedCredits>(file)) {
      onRow();
      const cast = castNames(c.cast, unnamed.tally);
      const u = unnamed.take();
      await parts.write(ranges.of(c.id), { id: c.id, cast, directors: directorNames(c.crew), ...(u > 0 && { unnamed: u }) });
    }
  } catch (e) {
    await parts.abort();
    throw e;
  }
  await parts.finish();
}

export async function routeKeywords(file: string, ranges: IdRanges, tmpDir: string, onRow: () => void): Promise<void> {
  const parts = await PartitionFiles.create<KeywordsJoin>(tmpDir, PARTS.keywords, ranges.parts);
  const unnamed = rowCounter();
  try {
    for await (const k of readJsonLines<ExtractedKeywords>(file)) {
      onRow();
      const keywords = [...new Set(names(k.keywords, 'keywords', unnamed.tally))];
      const u = unnamed.take();
      await parts.write(ranges.of(k.id), { id: k.id, keywords, ...(u > 0 && { unnamed: u }) });
    }
  } catch (e) {
    await parts.abort();
    throw e;
  }
  await parts.finish();
}

/**
 * Joins partitions [from, to) in id order: each partition's movies in memory, its credits and
 * keywords onto them, then every movie by ascending id into `columns` (and `jsonl`, the optional
 * export). The partitions' files are removed as they are used.
 */
export async function joinPartitions(
  tmpDir: string,
  from: number,
  to: number,
  columns: CatalogColumnsBuilder,
  jsonl: BufferedJsonlWriter<Movie> | null,
  tally: Tally,
  onMovies: (n: number) => void,
): Promise<void> {
  for (let p = from; p < to; p++) {
    const file = (name: string) => partitionFile(tmpDir, name, p);
    const byId = new Map<number, Movie>();
    for await (const m of readJsonLines<Movie>(file(PARTS.movies))) byId.set(m.id, m);
    for await (const c of readJsonLines<CreditsJoin>(file(PARTS.credits))) {
      const movie = byId.get(c.id);
      if (!movie) {
        tally('credits_without_movie');
        continue;
      }
      movie.cast = c.cast;
      movie.directors = c.directors;
      movie.hasCredits = true;
      tally('movies_with_credits');
      if (c.unnamed) tally('cast_entries_without_name', c.unnamed);
    }
    for await (const k of readJsonLines<KeywordsJoin>(file(PARTS.keywords))) {
      const movie = byId.get(k.id);
      if (!movie) {
        tally('keywords_without_movie');
        continue;
      }
      movie.keywords = k.keywords;
      if (k.keywords.length > 0) tally('movies_with_keywords');
      if (k.unnamed) tally('keywords_entries_without_name', k.unnamed);
    }
    for (const id of [...byId.keys()].sort((a, b) => a - b)) {
      const m = byId.get(id)!;
      columns.add(m);
      await jsonl?.write(m);
    }
    onMovies(byId.size);
    await Promise.all(Object.values(PARTS).map((name) => rm(file(name), { force: true })));
  }
}

export const joinedPartPath = (tmpDir: string) => path.join(tmpDir, 'catalog-part.jsonl');

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

/**
 * A table joined onto the movies: how a row is reduced on its way to its partition (`tally` counts
 * its nameless entries, kept on the record as `unnamed` and tallied under `unnamedKey` only when the
 * row's movie is kept) and how the reduced row lands on its movie.
 */
interface Joined<In extends { id: number }, Out extends { id: number; unnamed?: number }> {
  name: typeof PARTS.credits | typeof PARTS.keywords;
  unnamedKey: string;
  reduce(row: In, tally: Tally): Omit<Out, 'id' | 'unnamed'>;
  attach(movie: Movie, row: Out, tally: Tally): void;
}

const CREDITS: Joined<ExtractedCredits, CreditsJoin> = {
  name: PARTS.credits,
  unnamedKey: 'cast_entries_without_name',
  reduce: (c, tally) => ({ cast: castNames(c.cast, tally), directors: directorNames(c.crew) }),
  attach: (movie, c, tally) => {
    movie.cast = c.cast;
    movie.directors = c.directors;
    movie.hasCredits = true;
    tally('movies_with_credits');
  },
};

const KEYWORDS: Joined<ExtractedKeywords, KeywordsJoin> = {
  name: PARTS.keywords,
  unnamedKey: 'keywords_entries_without_name',
  reduce: (k, tally) => ({ keywords: [...new Set(names(k.keywords, 'keywords', tally))] }),
  attach: (movie, k, tally) => {
    movie.keywords = k.keywords;
    if (k.keywords.length > 0) tally('movies_with_keywords');
  },
};

/** Streams one of extract's files into per-partition files (input order kept: a later row for a movie replaces an earlier one at the join). */
async function routeRows<In extends { id: number }, Out extends { id: number; unnamed?: number }>(
  table: Joined<In, Out>,
  file: string,
  ranges: IdRanges,
  tmpDir: string,
  onRow: () => void,
): Promise<void> {
  const parts = await PartitionFiles.create<Out>(tmpDir, table.name, ranges.parts);
  let unnamed = 0;
  const count: Tally = (_k, by = 1) => void (unnamed += by);
  try {
    for await (const row of readJsonLines<In>(file)) {
      onRow();
      unnamed = 0;
      const reduced = table.reduce(row, count);
      await parts.write(ranges.of(row.id), { id: row.id, ...reduced, ...(unnamed > 0 && { unnamed }) } as Out);
    }
  } catch (e) {
    await parts.abort();
    throw e;
  }
  await parts.finish();
}

/** Routes extract's credits, then its keywords, to their movies' partitions. */
export async function routeCreditsAndKeywords(files: { credits: string; keywords: string }, ranges: IdRanges, tmpDir: string, onRow: () => void): Promise<void> {
  await routeRows(CREDITS, files.credits, ranges, tmpDir, onRow);
  await routeRows(KEYWORDS, files.keywords, ranges, tmpDir, onRow);
}

/** Puts a partition's rows of `table` on their movies; a row whose movie is not kept is counted, not joined. */
async function attachRows<Out extends { id: number; unnamed?: number }>(table: Joined<never, Out>, file: string, byId: Map<number, Movie>, tally: Tally): Promise<void> {
  for await (const row of readJsonLines<Out>(file)) {
    const movie = byId.get(row.id);
    if (!movie) {
      tally(`${table.name}_without_movie`);
      continue;
    }
    table.attach(movie, row, tally);
    if (row.unnamed) tally(table.unnamedKey, row.unnamed);
  }
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
    await attachRows(CREDITS, file(CREDITS.name), byId, tally);
    await attachRows(KEYWORDS, file(KEYWORDS.name), byId, tally);
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

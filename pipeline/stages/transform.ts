// Transform: extract/ outputs -> catalog.jsonl (cleaned Movie records, sorted by id), the same as
// columns in catalog.arrow (what the service loads), and quarantine.jsonl.
import { CatalogColumnsBuilder } from '../catalog-columns/builder.js';
import { catalogMovies } from '../catalog-columns/movies.js';
import { writeCatalogColumns } from '../catalog-columns/files.js';
import { CATALOG_COLUMNS_FILE } from '../catalog-columns/schema.js';
import { existsSync } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { timedStage, type StageContext } from './context.js';
import { FILES } from '../artifacts/store.js';
import { BufferedJsonlWriter, readJsonLines } from '../etl/lines.js';
import { EXTRACT_FILES, type ExtractedCredits, type ExtractedKeywords, type ExtractedMovie } from '../etl/extracted.js';
import { castNames, cleanMovie, directorNames, names, type Tally } from '../etl/cleaning.js';
import { ProgressThrottle } from '../etl/progress.js';
import { IdRanges, PartitionFiles, removeDir, scanIds } from '../etl/partitions.js';
import { CATALOG_FILES, linkCatalog, readReuseMarker, REQUIRED_CATALOG_FILES } from '../etl/reuse.js';
import { readStageResult, versionDir } from '../artifacts/store.js';
import type { Movie, StageResult } from '../types.js';

export const DROPPED_FILE = 'dropped.jsonl';

/** A credits row reduced to what the catalog keeps, on its way to its movie's partition. */
interface CreditsJoin {
  id: number;
  cast: string[];
  directors: string[];
}

interface KeywordsJoin {
  id: number;
  keywords: string[];
}

/** A movies row left out of the catalog by a cleaning rule (not a malformed row: those are quarantined). */
export interface DroppedRecord {
  id: number;
  title: string;
  file: string;
  row: number;
  reason: 'missing_release_date' | 'invalid_release_date';
  value: string;
}

export async function runTransform(ctx: StageContext): Promise<StageResult> {
  return timedStage('transform', async () => {
    const from = await readReuseMarker(ctx.dir);
    if (from) return reuseCatalog(ctx, from);
    const inDir = path.join(ctx.dir, FILES.extractDir);
    const input = (f: string) => {
      const p = path.join(inDir, f);
      if (!existsSync(p)) throw new Error(`transform needs ${p}: run extract first`);
      return p;
    };
    const counts: Record<string, number> = {
      movies_published: 0,
      dropped_no_release_date: 0,
      dropped_missing_release_date: 0,
      dropped_invalid_release_date: 0,
      budget_not_numeric: 0,
      revenue_not_numeric: 0,
      movies_with_credits: 0,
      movies_with_keywords: 0,
      credits_without_movie: 0,
      keywords_without_movie: 0,
    };
    const tally: Tally = (k, n = 1) => {
      counts[k] = (counts[k] ?? 0) + n;
    };
    let done = 0;
    const progress = new ProgressThrottle((d, message) =>
      ctx.progress({ stage: 'transform', done: d, unit: 'rows', message }),
    );

    // Joined one id range at a time (partitions on disk): memory is one partition's movies, whatever
    // the catalog's size. The order of records within a partition is the input order, so later
    // credits/keywords rows for a movie still replace earlier ones, as in one in-memory join.
    const ranges = await scanIds(input(EXTRACT_FILES.movies)).then((r) => new IdRanges(r.min, r.max, r.count, ctx.moviesPerPartition));
    const tmpDir = path.join(ctx.dir, FILES.extractDir, `transform-partitions-${process.pid}`);
    try {
      // 1. movies: clean, drop rows without a valid release date (counted and listed in dropped.jsonl)
      const ids = new Set<number>();
      const movieParts = await PartitionFiles.create<Movie>(tmpDir, 'movies', ranges.parts);
      const dropped = new BufferedJsonlWriter<DroppedRecord>(path.join(ctx.dir, DROPPED_FILE));
      for await (const m of readJsonLines<ExtractedMovie>(input(EXTRACT_FILES.movies))) {
        progress.report(++done, 'movies');
        const r = cleanMovie(m, tally);
        if (!r.ok) {
          tally('dropped_no_release_date');
          tally(r.why === 'missing' ? 'dropped_missing_release_date' : 'dropped_invalid_release_date');
          await dropped.write({
            id: m.id,
            title: (m.columns.title ?? '').trim(),
            file: m.file,
            row: m.row,
            reason: r.why === 'missing' ? 'missing_release_date' : 'invalid_release_date',
            value: r.value,
          });
          continue;
        }
        ids.add(m.id);
        await movieParts.write(ranges.of(m.id), r.movie);
      }
      await dropped.close();
      await movieParts.finish();

      // 2. credits (the big input): streamed, reduced to names, routed to their movie's partition
      const creditParts = await PartitionFiles.create<CreditsJoin>(tmpDir, 'credits', ranges.parts);
      for await (const c of readJsonLines<ExtractedCredits>(input(EXTRACT_FILES.credits))) {
        progress.report(++done, 'credits');
        if (!ids.has(c.id)) {
          tally('credits_without_movie');
          continue;
        }
        await creditParts.write(ranges.of(c.id), { id: c.id, cast: castNames(c.cast, tally), directors: directorNames(c.crew) });
        tally('movies_with_credits');
      }
      await creditParts.finish();

      // 3. keywords
      const keywordParts = await PartitionFiles.create<KeywordsJoin>(tmpDir, 'keywords', ranges.parts);
      for await (const k of readJsonLines<ExtractedKeywords>(input(EXTRACT_FILES.keywords))) {
        progress.report(++done, 'keywords');
        if (!ids.has(k.id)) {
          tally('keywords_without_movie');
          continue;
        }
        const keywords = [...new Set(names(k.keywords, 'keywords', tally))];
        await keywordParts.write(ranges.of(k.id), { id: k.id, keywords });
        if (keywords.length > 0) tally('movies_with_keywords');
      }
      await keywordParts.finish();
      ids.clear();

      // 4. catalog, sorted by id: partitions in id order, each joined and sorted in memory
      // catalog.jsonl is the optional human-readable export (MARQUEE_CATALOG_JSONL); catalog.arrow is what every reader uses
      const catalog = ctx.config.catalogJsonl ? new BufferedJsonlWriter<Movie>(path.join(ctx.dir, FILES.catalog)) : null;
      const columns = new CatalogColumnsBuilder();
      for (let p = 0; p < ranges.parts; p++) {
        const byId = new Map<number, Movie>();
        for await (const m of readJsonLines<Movie>(movieParts.file(p))) byId.set(m.id, m);
        for await (const c of readJsonLines<CreditsJoin>(creditParts.file(p))) {
          const movie = byId.get(c.id)!;
          movie.cast = c.cast;
          movie.directors = c.directors;
          movie.hasCredits = true;
        }
        for await (const k of readJsonLines<KeywordsJoin>(keywordParts.file(p))) byId.get(k.id)!.keywords = k.keywords;
        for (const id of [...byId.keys()].sort((a, b) => a - b)) {
          const m = byId.get(id)!;
          columns.add(m);
          await catalog?.write(m);
        }
        await Promise.all([movieParts.file(p), creditParts.file(p), keywordParts.file(p)].map((f) => rm(f, { force: true })));
      }
      await catalog?.close();
      await writeCatalogColumns(path.join(ctx.dir, CATALOG_COLUMNS_FILE), columns);
      counts.movies_published = columns.count;
      counts.transform_partitions = ranges.parts;
      progress.report(done, 'catalog written', true);
    } finally {
      await removeDir(tmpDir);
    }

    // 5. quarantine.jsonl: every quarantined row (all come from extract's row checks)
    const qOut = path.join(ctx.dir, FILES.quarantine);
    const tmp = `${qOut}.tmp-${process.pid}`;
    await copyFile(input(EXTRACT_FILES.quarantine), tmp);
    await rename(tmp, qOut);

    return {
      counts,
      files: { ...(ctx.config.catalogJsonl && { catalog: FILES.catalog }), catalogColumns: CATALOG_COLUMNS_FILE, quarantine: FILES.quarantine, dropped: DROPPED_FILE },
    };
  });
}

/** Extract found a published version built from the same input and code: link its catalog files. */
async function reuseCatalog(ctx: StageContext, from: string): Promise<Omit<StageResult, 'stage' | 'startedAt' | 'ms' | 'peakRssBytes'>> {
  const fromDir = versionDir(ctx.config.artifactsDir, from);
  const prev = await readStageResult(fromDir, 'transform');
  if (!prev || !REQUIRED_CATALOG_FILES.every((f) => existsSync(path.join(fromDir, f)))) {
    throw new Error(`transform: version ${from}, whose cleaned catalog extract chose to reuse, is no longer complete (pruned?); start the rebuild again`);
  }
  const jsonlThere = existsSync(path.join(fromDir, FILES.catalog));
  await linkCatalog(fromDir, ctx.dir, ctx.config.catalogJsonl && jsonlThere ? CATALOG_FILES : REQUIRED_CATALOG_FILES);
  const files = { ...prev.files };
  delete files.catalog;
  if (ctx.config.catalogJsonl) {
    // a version built without the export: written from its columns (the same records; keys in Movie's order)
    if (!jsonlThere) await writeJsonlFromColumns(ctx.dir);
    files.catalog = FILES.catalog;
  }
  ctx.log.info({ from }, 'cleaned catalog linked from a published version');
  return { counts: prev.counts, quarantine: prev.quarantine, files, info: { ...prev.info, reusedFrom: from } };
}

/** catalog.jsonl from the version's catalog.arrow. */
async function writeJsonlFromColumns(dir: string): Promise<void> {
  const out = new BufferedJsonlWriter<Movie>(path.join(dir, FILES.catalog));
  try {
    for await (const m of catalogMovies(path.join(dir, FILES.catalog))) await out.write(m);
  } catch (e) {
    await out.abort();
    throw e;
  }
  await out.close();
}

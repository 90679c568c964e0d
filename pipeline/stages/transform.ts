// Transform: extract/ outputs -> catalog.jsonl (cleaned Movie records, sorted by id) + quarantine.jsonl.
import { existsSync } from 'node:fs';
import { copyFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { timedStage, type StageContext } from './context.js';
import { FILES } from '../artifacts/store.js';
import { BufferedJsonlWriter, readJsonLines } from '../etl/lines.js';
import { EXTRACT_FILES, type ExtractedCredits, type ExtractedKeywords, type ExtractedMovie } from '../etl/extracted.js';
import { castNames, cleanMovie, directorNames, names, type Tally } from '../etl/cleaning.js';
import { ProgressThrottle } from '../etl/progress.js';
import type { Movie, StageResult } from '../types.js';

export const DROPPED_FILE = 'dropped.jsonl';

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

    // 1. movies: clean, drop rows without a valid release date (counted and listed in dropped.jsonl)
    const byId = new Map<number, Movie>();
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
      byId.set(m.id, r.movie);
    }
    await dropped.close();

    // 2. credits (the big input): streamed, joined by id
    for await (const c of readJsonLines<ExtractedCredits>(input(EXTRACT_FILES.credits))) {
      progress.report(++done, 'credits');
      const movie = byId.get(c.id);
      if (!movie) {
        tally('credits_without_movie');
        continue;
      }
      movie.cast = castNames(c.cast, tally);
      movie.directors = directorNames(c.crew);
      movie.hasCredits = true;
      tally('movies_with_credits');
    }

    // 3. keywords
    for await (const k of readJsonLines<ExtractedKeywords>(input(EXTRACT_FILES.keywords))) {
      progress.report(++done, 'keywords');
      const movie = byId.get(k.id);
      if (!movie) {
        tally('keywords_without_movie');
        continue;
      }
      movie.keywords = [...new Set(names(k.keywords, 'keywords', tally))];
      if (movie.keywords.length > 0) tally('movies_with_keywords');
    }

    // 4. catalog, sorted by id
    const catalog = new BufferedJsonlWriter<Movie>(path.join(ctx.dir, FILES.catalog));
    for (const id of [...byId.keys()].sort((a, b) => a - b)) await catalog.write(byId.get(id)!);
    await catalog.close();
    counts.movies_published = catalog.count;
    progress.report(done, 'catalog written', true);

    // 5. quarantine.jsonl: every quarantined row (all come from extract's row checks)
    const qOut = path.join(ctx.dir, FILES.quarantine);
    const tmp = `${qOut}.tmp-${process.pid}`;
    await copyFile(input(EXTRACT_FILES.quarantine), tmp);
    await rename(tmp, qOut);

    return {
      counts,
      files: { catalog: FILES.catalog, quarantine: FILES.quarantine, dropped: DROPPED_FILE },
    };
  });
}

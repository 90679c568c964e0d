// The `scores` stage: a score per platform title from its user ratings. Raw rating files
// (ratings/*.csv[.gz] or ratings*.csv[.gz], columns userId,rating,timestamp,movieId) are streamed
// and aggregated on worker threads (mean, count, half-star histogram per title; no rows held);
// without them, the per-title mean file (ratings_mean_by_title.csv[.gz], header `,movieId,rating`)
// gives the mean alone. The manifest records which source was used. A title without ratings has no
// score (never 0).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { entryUrl, startThread } from '../runtime/entry.js';
import { readJsonl } from '../artifacts/files.js';
import { BufferedJsonlWriter } from '../etl/lines.js';
import { ProgressThrottle } from '../etl/progress.js';
import { readCsvRecords, type FileDigest } from '../sources/csv.js';
import { timedStage, type StageBody, type StageContext } from '../stages/context.js';
import type { InputFile, QuarantineRecord, StageResult } from '../types.js';
import { emptyAggregate, HIST_BINS, mergeInto, ratingColumns, type RatingsAggregate } from './ratings.js';
import type { FromRatingsWorker, ToRatingsWorker } from './ratings-worker.js';
import { PLATFORM_FILES, type PlatformTitle, type TitleScore } from './types.js';

interface RatingsFile {
  file: string;
  path: string;
}

const RATINGS_RE = /^ratings.*\.csv(\.gz)?$/i;
const MEAN_RE = /^ratings_mean_by_title.*\.csv(\.gz)?$/i;
const CSV_RE = /\.csv(\.gz)?$/i;

/** Raw rating files (ratings/* and ratings*.csv[.gz] beside the catalogs) and the mean file, if any. */
export async function discoverRatings(dir: string | null): Promise<{ raw: RatingsFile[]; mean: RatingsFile | null }> {
  if (!dir || !existsSync(dir)) return { raw: [], mean: null };
  const raw: RatingsFile[] = [];
  let mean: RatingsFile | null = null;
  for (const file of (await readdir(dir)).sort()) {
    if (MEAN_RE.test(file)) mean ??= { file, path: path.join(dir, file) };
    else if (RATINGS_RE.test(file)) raw.push({ file, path: path.join(dir, file) });
  }
  const sub = path.join(dir, 'ratings');
  if (existsSync(sub)) {
    for (const file of (await readdir(sub)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
      if (CSV_RE.test(file)) raw.push({ file: `ratings/${file}`, path: path.join(sub, file) });
    }
  }
  return { raw, mean };
}

/** Reads the first line of a (possibly gzipped) file. */
async function headerOf(p: string): Promise<string> {
  const { createReadStream } = await import('node:fs');
  const { createGunzip } = await import('node:zlib');
  const s = createReadStream(p, { start: 0, end: 1 << 16 });
  const text = p.endsWith('.gz') ? s.pipe(createGunzip()) : s;
  let buf = '';
  try {
    for await (const c of text as AsyncIterable<Buffer>) {
      buf += c.toString('utf8');
      if (buf.includes('\n')) break;
    }
  } catch {
    // a truncated window of a gzip stream: what was read is enough for the header
  } finally {
    s.destroy();
  }
  return buf.split('\n')[0];
}

/** Aggregates the raw files on up to two worker threads (one file each at a time). */
async function aggregateRaw(files: RatingsFile[], ids: string[], progress: (rows: number, file: string) => void): Promise<RatingsAggregate & { inputs: InputFile[] }> {
  const total = emptyAggregate(ids.length);
  const inputs: InputFile[] = [];
  const queue = [...files];
  const rowsByFile = new Map<string, number>();
  const threads = Math.max(1, Math.min(files.length, availableParallelism(), 2));
  const run = () =>
    new Promise<void>((resolve, reject) => {
      const w = startThread(entryUrl('./ratings-worker.ts', import.meta.url), { ids });
      const next = () => {
        const f = queue.shift();
        if (!f) {
          w.postMessage({ type: 'stop' } satisfies ToRatingsWorker);
          void w.terminate().then(() => resolve());
          return;
        }
        w.postMessage({ type: 'file', path: f.path, file: f.file } satisfies ToRatingsWorker);
      };
      w.on('message', (m: FromRatingsWorker) => {
        if (m.type === 'progress') {
          rowsByFile.set(m.file, m.rows);
          progress([...rowsByFile.values()].reduce((a, b) => a + b, 0), m.file);
        } else if (m.type === 'done') {
          mergeInto(total, m.agg);
          inputs.push({ table: 'platform_ratings', file: m.file, path: files.find((f) => f.file === m.file)!.path, bytes: m.agg.bytes, sha256: m.agg.sha256 });
          next();
        } else {
          void w.terminate();
          reject(new Error(m.message));
        }
      });
      w.on('error', reject);
      next();
    });
  await Promise.all(Array.from({ length: threads }, run));
  inputs.sort((a, b) => files.findIndex((f) => f.file === a.file) - files.findIndex((f) => f.file === b.file));
  return { ...total, inputs };
}

export async function runScores(ctx: StageContext): Promise<StageResult> {
  return timedStage('scores', async (): Promise<StageBody> => {
    const ids: string[] = [];
    for await (const t of readJsonl<PlatformTitle>(path.join(ctx.dir, PLATFORM_FILES.titles))) ids.push(t.id);
    const out = new BufferedJsonlWriter<TitleScore>(path.join(ctx.dir, PLATFORM_FILES.scores));
    const files = { platformScores: PLATFORM_FILES.scores };
    if (ids.length === 0) {
      await out.close();
      return { counts: { platform_titles_scored: 0 }, files, info: { source: 'none', reason: 'no platform titles' } };
    }
    const { raw, mean } = await discoverRatings(ctx.config.platformsDir);
    // only files with the raw columns count as raw ratings (a lossy sample without timestamps does not)
    const usable: RatingsFile[] = [];
    const skipped: { file: string; why: string }[] = [];
    for (const f of raw) {
      const c = ratingColumns(await headerOf(f.path));
      if (typeof c === 'string') skipped.push({ file: f.file, why: c });
      else usable.push(f);
    }
    for (const s of skipped) ctx.log.info(s, 'ratings file skipped');
    const throttle = new ProgressThrottle((done, message) => ctx.progress({ stage: 'scores', done, unit: 'ratings', message }));

    if (usable.length > 0) {
      const agg = await aggregateRaw(usable, ids, (rows, file) => throttle.report(rows, file));
      throttle.report(agg.rows, 'done', true);
      let scored = 0;
      for (let i = 0; i < ids.length; i++) {
        const n = agg.counts[i];
        if (n === 0) continue;
        scored++;
        await out.write({ id: ids[i], mean: agg.sums[i] / n, count: n, histogram: Array.from(agg.hist.subarray(i * HIST_BINS, (i + 1) * HIST_BINS)) });
      }
      await out.close();
      const q = new BufferedJsonlWriter<QuarantineRecord>(path.join(ctx.dir, 'platforms', 'ratings-quarantine.jsonl'));
      for (const r of agg.samples) await q.write(r);
      await q.close();
      const byReason = agg.reasons;
      ctx.log.info({ rows: agg.rows, scored, files: usable.length }, 'platform scores from raw ratings');
      return {
        counts: {
          platform_ratings_rows_read: agg.rows,
          platform_ratings_kept: agg.rows - agg.malformed - agg.unknownTitle,
          platform_ratings_malformed: agg.malformed,
          platform_ratings_unknown_title: agg.unknownTitle,
          platform_titles_scored: scored,
          platform_titles_unscored: ids.length - scored,
        },
        quarantine: byReason,
        inputs: agg.inputs,
        files: { ...files, platformRatingsQuarantine: 'platforms/ratings-quarantine.jsonl' },
        info: { source: 'raw ratings', files: usable.map((f) => f.file), filesSkipped: skipped, quarantineWritten: agg.samples.length },
      };
    }

    if (mean) {
      const index = new Map(ids.map((id, i) => [id, i]));
      const means = new Float64Array(ids.length).fill(Number.NaN);
      const digest: FileDigest = { bytes: 0, sha256: '' };
      const rejected: QuarantineRecord[] = [];
      let rows = 0;
      for await (const rec of readCsvRecords(mean.path, digest)) {
        rows++;
        const col = (name: string) => rec.fields[rec.header.indexOf(name)] ?? '';
        const id = col('movieId').trim();
        const m = Number(col('rating'));
        const i = index.get(id);
        if (i === undefined) rejected.push({ table: 'platform_ratings', file: mean.file, row: rec.row, reason: 'unknown_title', detail: `movieId ${JSON.stringify(id)} is in no platform catalog`, id });
        else if (!(m >= 0.5 && m <= 5)) rejected.push({ table: 'platform_ratings', file: mean.file, row: rec.row, reason: 'unexpected_value', detail: `rating ${JSON.stringify(col('rating'))} is not a mean of 0.5-5 stars`, id });
        else means[i] = m;
      }
      let scored = 0;
      for (let i = 0; i < ids.length; i++) {
        if (Number.isNaN(means[i])) continue;
        scored++;
        await out.write({ id: ids[i], mean: means[i], count: 0, histogram: [] });
      }
      await out.close();
      const byReason: Record<string, number> = {};
      const q = new BufferedJsonlWriter<QuarantineRecord>(path.join(ctx.dir, 'platforms', 'ratings-quarantine.jsonl'));
      for (const r of rejected) {
        byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
        await q.write(r);
      }
      await q.close();
      ctx.log.info({ file: mean.file, scored }, 'platform scores from the per-title mean file (no raw ratings)');
      return {
        counts: { platform_ratings_mean_rows: rows, platform_titles_scored: scored, platform_titles_unscored: ids.length - scored },
        quarantine: byReason,
        inputs: [{ table: 'platform_ratings', file: mean.file, path: mean.path, bytes: digest.bytes, sha256: digest.sha256 }],
        files: { ...files, platformRatingsQuarantine: 'platforms/ratings-quarantine.jsonl' },
        info: { source: 'per-title mean file', file: mean.file, filesSkipped: skipped, note: 'counts and histograms need the raw rating files (ratings/*.csv)' },
      };
    }

    await out.close();
    ctx.log.warn({ platformsDir: ctx.config.platformsDir }, 'no platform ratings: titles have no score');
    return { counts: { platform_titles_scored: 0, platform_titles_unscored: ids.length }, files, info: { source: 'none', filesSkipped: skipped } };
  });
}

// The `platforms` stage: every <platform>_titles.csv[.gz] of the platforms dir -> cleaned titles
// (platforms/titles.jsonl), each refused row in platforms/quarantine.jsonl with its reason, and
// every repair counted. A run without platform input builds the TMDB catalog only and says so.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { checkFields } from '../etl/field-limits.js';
import { BufferedJsonlWriter } from '../etl/lines.js';
import { ProgressThrottle } from '../etl/progress.js';
import { quarantineRecord } from '../etl/rows.js';
import { readCsvRecords, type FileDigest } from '../sources/csv.js';
import { timedStage, type StageBody, type StageContext } from '../stages/context.js';
import type { InputFile, QuarantineRecord, StageResult } from '../types.js';
import { cleanTitle, platformOfFile, TITLE_COLUMNS, type Repair } from './rules.js';
import { PLATFORM_FILES, PLATFORMS, type Platform, type PlatformTitle } from './types.js';

export interface TitleFile {
  platform: Platform;
  file: string;
  path: string;
}

/** The title lists of a platforms dir, in platform order; [] when the dir is unset or holds none. */
export async function discoverTitleFiles(dir: string | null): Promise<TitleFile[]> {
  if (!dir || !existsSync(dir)) return [];
  const out: TitleFile[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const platform = platformOfFile(file);
    if (platform) out.push({ platform, file, path: path.join(dir, file) });
  }
  return out.sort((a, b) => PLATFORMS.indexOf(a.platform) - PLATFORMS.indexOf(b.platform) || a.file.localeCompare(b.file));
}

const TABLE = 'platform_titles';

/** Reads one platform's rows, cleaning each; refused rows go to `reject`. */
async function readTitles(
  src: TitleFile,
  digest: FileDigest,
  counts: Record<string, number>,
  reject: (q: QuarantineRecord) => void,
  onRow: () => void,
  seen: Map<string, number>,
): Promise<PlatformTitle[]> {
  const titles: PlatformTitle[] = [];
  const add = (k: string, n = 1) => (counts[k] = (counts[k] ?? 0) + n);
  const onSkip = (s: { row: number; line: number; message: string }) =>
    reject({ table: TABLE, file: src.file, row: s.row, reason: 'malformed_row', detail: `unreadable CSV record (line ${s.line}): ${s.message}` });
  let checked: string[] | null = null;
  for await (const rec of readCsvRecords(src.path, digest, onSkip)) {
    if (checked !== rec.header) {
      const missing = TITLE_COLUMNS.filter((c) => !rec.header.includes(c));
      if (missing.length) throw new Error(`${src.file}: header lacks column(s) ${missing.join(', ')} (header: ${rec.header.join(',')})`);
      checked = rec.header;
    }
    add('platform_titles_rows_read');
    onRow();
    const idText = rec.fields[rec.header.indexOf('show_id')];
    if (rec.fields.length !== rec.header.length) {
      reject(quarantineRecord(TABLE, src.file, rec, 'malformed_row', `${rec.fields.length} fields, header has ${rec.header.length} (line ${rec.line})`, idText));
      continue;
    }
    const bad = checkFields(TABLE, rec.header, rec.fields);
    if (bad) {
      reject(quarantineRecord(TABLE, src.file, rec, bad.reason, `${bad.detail} (line ${rec.line})`, idText));
      continue;
    }
    const fields: Record<string, string> = {};
    rec.header.forEach((h, i) => (fields[h] = rec.fields[i]));
    const r = cleanTitle(src.platform, fields);
    if (!r.ok) {
      reject(quarantineRecord(TABLE, src.file, rec, r.reason, `${r.detail} (line ${rec.line})`, idText));
      continue;
    }
    const firstRow = seen.get(r.title.id);
    if (firstRow !== undefined) {
      reject(quarantineRecord(TABLE, src.file, rec, 'duplicate_id', `id ${r.title.id} already kept from row ${firstRow}; the first is kept`, r.title.id));
      continue;
    }
    seen.set(r.title.id, rec.row);
    for (const [k, n] of Object.entries(r.repairs) as [Repair, number][]) add(`platform_${k}`, n);
    titles.push(r.title);
  }
  return titles;
}

const showNumber = (t: PlatformTitle) => Number(/\d+/.exec(t.showId)?.[0] ?? 0);

export async function runPlatforms(ctx: StageContext): Promise<StageResult> {
  return timedStage('platforms', async (): Promise<StageBody> => {
    const dir = ctx.config.platformsDir;
    const files = await discoverTitleFiles(dir);
    const outDir = path.join(ctx.dir, PLATFORM_FILES.dir);
    await rm(path.join(ctx.dir, PLATFORM_FILES.titles), { force: true });
    await mkdir(outDir, { recursive: true });
    const counts: Record<string, number> = { platform_titles_rows_read: 0, platform_titles_kept: 0, platform_titles_quarantined: 0 };
    for (const r of ['duration_moved', 'rating_defaulted', 'duration_unknown', 'date_added_unknown', 'cast_placeholders_dropped']) counts[`platform_${r}`] = 0;
    if (files.length === 0) {
      ctx.log.warn({ platformsDir: dir }, 'no platform title lists (amazon/disney/hulu/netflix_titles.csv[.gz]): this version has the TMDB catalog only');
      await new BufferedJsonlWriter<PlatformTitle>(path.join(ctx.dir, PLATFORM_FILES.titles)).close();
      return { counts: { ...counts, platforms_absent: 1 }, files: { platformTitles: PLATFORM_FILES.titles }, info: { platformsDir: dir, family: 'absent' } };
    }
    const throttle = new ProgressThrottle((done, message) => ctx.progress({ stage: 'platforms', done, unit: 'rows', message }));
    const rejected: QuarantineRecord[] = [];
    const inputs: InputFile[] = [];
    const all: PlatformTitle[] = [];
    const seen = new Map<string, number>();
    let rows = 0;
    for (const src of files) {
      ctx.signal?.throwIfAborted();
      const digest: FileDigest = { bytes: 0, sha256: '' };
      const titles = await readTitles(src, digest, counts, (q) => rejected.push(q), () => throttle.report(++rows, `${src.platform}: ${src.file}`), seen);
      counts[`platform_titles_${src.platform}`] = (counts[`platform_titles_${src.platform}`] ?? 0) + titles.length;
      counts.platform_invalid_utf8_sequences = (counts.platform_invalid_utf8_sequences ?? 0) + (digest.invalidUtf8 ?? 0);
      inputs.push({ table: 'platform_titles', file: src.file, path: src.path, bytes: digest.bytes, sha256: digest.sha256 });
      for (const t of titles) all.push(t);
    }
    throttle.report(rows, 'done', true);
    all.sort((a, b) => PLATFORMS.indexOf(a.platform) - PLATFORMS.indexOf(b.platform) || showNumber(a) - showNumber(b) || a.id.localeCompare(b.id));
    const out = new BufferedJsonlWriter<PlatformTitle>(path.join(ctx.dir, PLATFORM_FILES.titles));
    for (const t of all) await out.write(t);
    await out.close();
    const q = new BufferedJsonlWriter<QuarantineRecord>(path.join(ctx.dir, PLATFORM_FILES.quarantine));
    const byReason: Record<string, number> = {};
    for (const r of rejected) {
      byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
      await q.write(r);
    }
    await q.close();
    counts.platform_titles_kept = all.length;
    counts.platform_titles_quarantined = rejected.length;
    counts.platform_movies = all.filter((t) => t.type === 'movie').length;
    counts.platform_shows = all.length - counts.platform_movies;
    ctx.log.info({ titles: all.length, quarantined: rejected.length, platforms: files.map((f) => f.platform) }, 'platform catalogs cleaned');
    return {
      counts,
      quarantine: byReason,
      inputs,
      files: { platformTitles: PLATFORM_FILES.titles, platformQuarantine: PLATFORM_FILES.quarantine },
      info: { platformsDir: dir, family: 'built', platforms: [...new Set(files.map((f) => f.platform))] },
    };
  });
}

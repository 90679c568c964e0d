// Streaming aggregation of raw platform ratings (`userId,rating,timestamp,movieId`, 11M rows in the
// full set): per title a count, a sum and a half-star histogram, in typed arrays indexed like the
// title list. Rows are never held: each line is read, checked and added.
//
// The line reader is hand-written rather than csv-parse: these files are four plain numeric columns,
// and per-record objects and callbacks cost more than the whole aggregation (measured by
// bench:platforms). Quoted fields are accepted (quotes stripped); anything else unreadable is
// quarantined.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { DigestStream } from '../sources/csv.js';
import type { QuarantineRecord } from '../types.js';

export const HIST_BINS = 10; // 0.5, 1.0, ... 5.0

export interface RatingsAggregate {
  sums: Float64Array;
  counts: Uint32Array;
  /** counts per title and half star: row i, bin b at i * HIST_BINS + b */
  hist: Uint32Array;
  rows: number;
  malformed: number;
  unknownTitle: number;
  /** refused rows by quarantine reason (all counted; `samples` holds the first of them) */
  reasons: Record<string, number>;
  /** the first quarantined rows, with their reasons (all are counted) */
  samples: QuarantineRecord[];
  bytes: number;
  sha256: string;
}

export const RATING_COLUMNS = ['userId', 'rating', 'timestamp', 'movieId'] as const;
const MAX_SAMPLES = 1000;

export function emptyAggregate(n: number): RatingsAggregate {
  return { sums: new Float64Array(n), counts: new Uint32Array(n), hist: new Uint32Array(n * HIST_BINS), rows: 0, malformed: 0, unknownTitle: 0, reasons: {}, samples: [], bytes: 0, sha256: '' };
}

export function mergeInto(into: RatingsAggregate, from: RatingsAggregate): void {
  for (let i = 0; i < into.sums.length; i++) into.sums[i] += from.sums[i];
  for (let i = 0; i < into.counts.length; i++) into.counts[i] += from.counts[i];
  for (let i = 0; i < into.hist.length; i++) into.hist[i] += from.hist[i];
  into.rows += from.rows;
  into.malformed += from.malformed;
  into.unknownTitle += from.unknownTitle;
  for (const [k, n] of Object.entries(from.reasons)) into.reasons[k] = (into.reasons[k] ?? 0) + n;
  into.samples.push(...from.samples.slice(0, Math.max(0, MAX_SAMPLES - into.samples.length)));
}

const unquote = (s: string) => (s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"' ? s.slice(1, -1).replace(/""/g, '"') : s);

/** The header's column positions, or why the file is not a raw ratings file. */
export function ratingColumns(headerLine: string): { userId: number; rating: number; movieId: number; timestamp: number } | string {
  const cols = headerLine.replace(/^\uFEFF/, '').replace(/\r$/, '').split(',').map((c) => unquote(c.trim()));
  const at = (c: string) => cols.indexOf(c);
  const missing = RATING_COLUMNS.filter((c) => at(c) < 0);
  if (missing.length) return `header ${JSON.stringify(cols.join(','))} lacks ${missing.join(', ')}: not the raw ratings format (${RATING_COLUMNS.join(',')})`;
  return { userId: at('userId'), rating: at('rating'), movieId: at('movieId'), timestamp: at('timestamp') };
}

/** Streams one raw ratings file (.csv or .csv.gz) into an aggregate over `index` (title id -> row). */
export async function aggregateRatingsFile(
  filePath: string,
  fileName: string,
  index: ReadonlyMap<string, number>,
  onProgress?: (rows: number) => void,
): Promise<RatingsAggregate> {
  const agg = emptyAggregate(index.size);
  const source = createReadStream(filePath, { highWaterMark: 1 << 20 });
  const hasher = new DigestStream();
  source.on('error', (e) => hasher.destroy(e));
  const stored = source.pipe(hasher);
  let text: AsyncIterable<Buffer> = stored;
  if (filePath.endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: 1 << 18 });
    stored.on('error', (e) => gunzip.destroy(e));
    text = stored.pipe(gunzip);
  }
  let cols: Exclude<ReturnType<typeof ratingColumns>, string> | null = null;
  let width = 0;
  let rest = '';
  let row = 0;
  const reject = (reason: 'malformed_row' | 'unexpected_value' | 'unknown_title', detail: string, raw: string) => {
    if (reason === 'unknown_title') agg.unknownTitle++;
    else agg.malformed++;
    agg.reasons[reason] = (agg.reasons[reason] ?? 0) + 1;
    if (agg.samples.length < MAX_SAMPLES) agg.samples.push({ table: 'platform_ratings', file: fileName, row, reason, detail, raw: raw.slice(0, 200) });
  };
  const line = (l: string) => {
    if (cols === null) {
      const c = ratingColumns(l);
      if (typeof c === 'string') throw new Error(`${fileName}: ${c}`);
      cols = c;
      width = l.split(',').length;
      return;
    }
    if (l.length === 0 || l === '\r') return;
    row++;
    agg.rows++;
    const s = l.endsWith('\r') ? l.slice(0, -1) : l;
    const f = s.split(',');
    if (f.length !== width) return reject('malformed_row', `${f.length} fields, header has ${width}`, s);
    const id = unquote(f[cols.movieId]);
    const r = Number(unquote(f[cols.rating]));
    const bin = r * 2 - 1;
    if (!(bin >= 0 && bin < HIST_BINS && Number.isInteger(bin))) return reject('unexpected_value', `rating ${JSON.stringify(f[cols.rating])} is not 0.5-5 in half stars`, s);
    const i = index.get(id);
    if (i === undefined) return reject('unknown_title', `movieId ${JSON.stringify(id)} is in no platform catalog`, s);
    agg.sums[i] += r;
    agg.counts[i]++;
    agg.hist[i * HIST_BINS + bin]++;
  };
  let lastReport = 0;
  for await (const chunk of text) {
    const t = rest + chunk.toString('utf8');
    let start = 0;
    for (let nl = t.indexOf('\n'); nl !== -1; nl = t.indexOf('\n', start)) {
      line(t.slice(start, nl));
      start = nl + 1;
    }
    rest = t.slice(start);
    if (onProgress && agg.rows - lastReport >= 200_000) {
      lastReport = agg.rows;
      onProgress(agg.rows);
    }
  }
  if (rest.length > 0) line(rest);
  if (cols === null) throw new Error(`${fileName}: empty (no header)`);
  agg.bytes = hasher.bytes;
  agg.sha256 = hasher.digest();
  onProgress?.(agg.rows);
  return agg;
}

// MovieLens ratings (`userId,movieId,rating,timestamp`) joined to TMDB ids through `links.csv`
// (`movieId,imdbId,tmdbId`), loaded into typed arrays: 26M ratings take ~0.4 GB this way, where
// objects would take several. Unreadable rows are counted and quarantined (the first 1,000
// written); ratings of movies without a tmdbId are counted and left out.
import { createReadStream, existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { DigestStream } from '../sources/csv.js';
import type { InputFile, QuarantineRecord } from '../types.js';

export interface RatingsInput {
  ratings: { file: string; path: string } | null;
  links: { file: string; path: string } | null;
}

/** `ratings.csv[.gz]` (the full 26M) over `ratings_small*`; `links.csv[.gz]` over `links_small*`. */
export async function discoverRatingsInput(dataDir: string): Promise<RatingsInput> {
  if (!existsSync(dataDir)) return { ratings: null, links: null };
  const names = (await readdir(dataDir)).sort();
  const pick = (full: RegExp, small: RegExp) => {
    const f = names.find((n) => full.test(n)) ?? names.find((n) => small.test(n));
    return f ? { file: f, path: path.join(dataDir, f) } : null;
  };
  return {
    ratings: pick(/^ratings(\.synth)?\.csv(\.gz)?$/, /^ratings_small.*\.csv(\.gz)?$/),
    links: pick(/^links(\.synth)?\.csv(\.gz)?$/, /^links_small.*\.csv(\.gz)?$/),
  };
}

/** Growable typed array. */
class Grow<T extends Int32Array | Float32Array> {
  n = 0;
  constructor(public a: T) {}
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new (this.a.constructor as new (n: number) => T)(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): T {
    return this.a.subarray(0, this.n) as T;
  }
}

export interface RatingsData {
  /** dense user index of each rating */
  user: Int32Array;
  /** dense item index of each rating */
  item: Int32Array;
  /** 0.5 ... 5 */
  stars: Float32Array;
  /** days since the epoch */
  day: Int32Array;
  /** MovieLens userId of each user index */
  userIds: Int32Array;
  /** TMDB id of each item index */
  itemTmdb: Int32Array;
  /** MovieLens movieId of each item index */
  itemMovieLens: Int32Array;
  counts: Record<string, number>;
  quarantine: QuarantineRecord[];
  quarantineByReason: Record<string, number>;
  inputs: InputFile[];
}

const MAX_QUARANTINE = 1000;

/** Streams a (gzipped) CSV as lines, the header first; fills `digest` at the end. */
async function* csvLines(file: string, digest: { bytes: number; sha256: string }): AsyncGenerator<string> {
  const src = createReadStream(file, { highWaterMark: 1 << 20 });
  const hasher = new DigestStream();
  src.on('error', (e) => hasher.destroy(e));
  let text: AsyncIterable<Buffer> = src.pipe(hasher);
  if (file.endsWith('.gz')) {
    const gz = createGunzip({ chunkSize: 1 << 18 });
    hasher.on('error', (e) => gz.destroy(e));
    text = (text as NodeJS.ReadableStream).pipe(gz) as unknown as AsyncIterable<Buffer>;
  }
  let rest = '';
  for await (const chunk of text) {
    const t = rest + chunk.toString('utf8');
    let start = 0;
    for (let nl = t.indexOf('\n'); nl !== -1; nl = t.indexOf('\n', start)) {
      const line = t.charCodeAt(nl - 1) === 13 ? t.slice(start, nl - 1) : t.slice(start, nl);
      start = nl + 1;
      yield line;
    }
    rest = t.slice(start);
  }
  if (rest.trim()) yield rest.replace(/\r$/, '');
  digest.bytes = hasher.bytes;
  digest.sha256 = hasher.digest();
}

const columns = (header: string, want: string[], file: string) => {
  const cols = header.replace(/^\uFEFF/, '').split(',').map((c) => c.trim());
  const at = want.map((w) => cols.indexOf(w));
  const missing = want.filter((_, i) => at[i] < 0);
  if (missing.length) throw new Error(`${file}: header lacks ${missing.join(', ')} (header: ${cols.join(',')})`);
  return { at, width: cols.length };
};

export async function loadRatings(input: RatingsInput, onProgress?: (rows: number) => void): Promise<RatingsData> {
  if (!input.ratings || !input.links) throw new Error('loadRatings needs both a ratings and a links file');
  const counts: Record<string, number> = { ratings_rows_read: 0, ratings_kept: 0, ratings_unmapped: 0, ratings_quarantined: 0, links_rows: 0, links_without_tmdb: 0 };
  const quarantine: QuarantineRecord[] = [];
  const byReason: Record<string, number> = {};
  const reject = (q: QuarantineRecord) => {
    counts.ratings_quarantined++;
    byReason[q.reason] = (byReason[q.reason] ?? 0) + 1;
    if (quarantine.length < MAX_QUARANTINE) quarantine.push(q);
  };
  const inputs: InputFile[] = [];

  // links: movieId -> tmdbId (some tmdbId are empty: counted, their ratings left out)
  const tmdbOf = new Map<number, number>();
  const ld = { bytes: 0, sha256: '' };
  let header: ReturnType<typeof columns> | null = null;
  for await (const line of csvLines(input.links.path, ld)) {
    if (!header) {
      header = columns(line, ['movieId', 'tmdbId'], input.links.file);
      continue;
    }
    if (!line) continue;
    counts.links_rows++;
    const f = line.split(',');
    const m = Number(f[header.at[0]]);
    const t = f[header.at[1]]?.trim() ?? '';
    if (!t) {
      counts.links_without_tmdb++;
      continue;
    }
    if (Number.isInteger(m) && /^\d+$/.test(t)) tmdbOf.set(m, Number(t));
  }
  inputs.push({ table: 'movielens_links', file: input.links.file, path: input.links.path, bytes: ld.bytes, sha256: ld.sha256 });

  const user = new Grow(new Int32Array(1 << 16));
  const item = new Grow(new Int32Array(1 << 16));
  const stars = new Grow(new Float32Array(1 << 16));
  const day = new Grow(new Int32Array(1 << 16));
  const userIndex = new Map<number, number>();
  const itemIndex = new Map<number, number>();
  const userIds: number[] = [];
  const itemMovieLens: number[] = [];
  const rd = { bytes: 0, sha256: '' };
  header = null;
  let row = 0;
  const file = input.ratings.file;
  for await (const line of csvLines(input.ratings.path, rd)) {
    if (!header) {
      header = columns(line, ['userId', 'movieId', 'rating', 'timestamp'], file);
      continue;
    }
    if (!line) continue;
    row++;
    counts.ratings_rows_read++;
    if ((row & 0xfffff) === 0) onProgress?.(row);
    const f = line.split(',');
    const [iu, im, ir, it] = header.at;
    if (f.length !== header.width) {
      reject({ table: 'movielens_ratings', file, row, reason: 'malformed_row', detail: `${f.length} fields, header has ${header.width}`, raw: line.slice(0, 200) });
      continue;
    }
    const u = Number(f[iu]);
    const m = Number(f[im]);
    const r = Number(f[ir]);
    const ts = Number(f[it]);
    if (!Number.isInteger(u) || !Number.isInteger(m) || !(r >= 0.5 && r <= 5) || !Number.isFinite(ts)) {
      reject({ table: 'movielens_ratings', file, row, reason: 'unexpected_value', detail: 'userId/movieId must be integers, rating 0.5-5, timestamp a number', raw: line.slice(0, 200) });
      continue;
    }
    const tmdb = tmdbOf.get(m);
    if (tmdb === undefined) {
      counts.ratings_unmapped++;
      continue;
    }
    let ui = userIndex.get(u);
    if (ui === undefined) {
      userIndex.set(u, (ui = userIds.length));
      userIds.push(u);
    }
    let ii = itemIndex.get(m);
    if (ii === undefined) {
      itemIndex.set(m, (ii = itemMovieLens.length));
      itemMovieLens.push(m);
    }
    user.push(ui);
    item.push(ii);
    stars.push(r);
    day.push(Math.floor(ts / 86400));
  }
  onProgress?.(row);
  inputs.push({ table: 'movielens_ratings', file, path: input.ratings.path, bytes: rd.bytes, sha256: rd.sha256 });
  counts.ratings_kept = user.n;
  counts.ratings_users = userIds.length;
  counts.ratings_movies = itemMovieLens.length;
  return {
    user: user.done(),
    item: item.done(),
    stars: stars.done(),
    day: day.done(),
    userIds: Int32Array.from(userIds),
    itemTmdb: Int32Array.from(itemMovieLens, (m) => tmdbOf.get(m)!),
    itemMovieLens: Int32Array.from(itemMovieLens),
    counts,
    quarantine,
    quarantineByReason: byReason,
    inputs,
  };
}

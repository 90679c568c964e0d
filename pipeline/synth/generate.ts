// Synthetic full-size TMDB input, recombined from the real rows: same columns, quoting and
// Python-literal nested columns as the Kaggle files, N movies, byte-identical for a seed.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SHARED_TMDB_DIR } from '../config.js';
import { csvFieldBytes } from './csvsize.js';
import { PeopleVarier } from './people.js';
import { hash32, Rng } from './prng.js';
import { synthReadme } from './readme.js';
import { loadRealData, type RealData } from './sources.js';
import { CollectionMaker, TitleMaker } from './titles.js';
import { CsvFileWriter, type WrittenFile } from './writer.js';

/** Bump when the output for a given seed and size changes, so cached copies are rebuilt. */
export const SYNTH_GENERATOR_VERSION = 1;

/** The complete real files (Kaggle "The Movies Dataset") that the defaults scale from. */
export const REAL_FULL = {
  movies: 45_466,
  creditsBytes: 189_917_659,
  shiftedRecords: 3,
  duplicateMovieRows: 30,
  duplicateMovieRowsDiffering: 13,
  duplicateCreditRows: 44,
  duplicateCreditRowsDiffering: 7,
  keywordIds: 45_432,
  duplicateKeywordRows: 987,
  missingReleaseDate: 87,
  inCollection: 4_494,
} as const;

export type SynthTable = 'movies' | 'credits' | 'keywords';

export const SYNTH_BASENAMES: Record<SynthTable, string> = {
  movies: 'movies_dataset.synth.csv',
  credits: 'credits.synth.csv',
  keywords: 'keywords.synth.csv',
};
export const SYNTH_MANIFEST = 'synth.json';
export const SYNTH_README = 'SYNTHETIC.md';

export interface SynthOptions {
  movies: number;
  outDir: string;
  seed?: number;
  /** uncompressed size to aim the credits file at; default scales the real 189,917,659 bytes per movie */
  creditsBytes?: number;
  /** gzip the output (default true); false writes plain .csv */
  gzip?: boolean;
  gzipLevel?: number;
  /** real TMDB files to recombine (default: the shared partial copy) */
  sourceDir?: string;
  /** how many people each real person becomes (default grows with N so film counts per person stay realistic) */
  personVariants?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthDirt {
  /** movies written as a stub record plus a tail record shifted 9 columns left (as in the real file) */
  shiftedIds: number[];
  /** one entry per extra movies row (an id twice in the list has three rows) */
  duplicateMovieIds: number[];
  duplicateMovieRowsDiffering: number;
  missingReleaseDateIds: number[];
  duplicateCreditIds: number[];
  duplicateCreditRowsDiffering: number;
  /** extra keywords rows, all exact repeats */
  duplicateKeywordRows: number;
}

export type SynthFileSummary = Omit<WrittenFile, 'file'> & { name: string };

export interface SynthSummary {
  generator: 'marquee-synth';
  generatorVersion: number;
  synthetic: true;
  seed: number;
  movies: number;
  creditsBytesTarget: number;
  gzip: boolean;
  gzipLevel: number | null;
  source: { dir: string; movies: number; credits: number; keywordIds: number };
  personVariants: number;
  collections: number;
  moviesInCollections: number;
  files: Record<SynthTable, SynthFileSummary>;
  dirt: SynthDirt;
  /** generation time (not written to synth.json, which stays byte-identical for a seed) */
  ms: number;
  createdBy: string;
}

export function defaultCreditsBytes(movies: number): number {
  return Math.round((movies * REAL_FULL.creditsBytes) / REAL_FULL.movies);
}

/** A count scaled from the real full file to N movies, at least one so every quarantine path is exercised. */
function scaled(realCount: number, movies: number): number {
  return Math.max(1, Math.round((realCount * movies) / REAL_FULL.movies));
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Unique, scattered ids: an affine permutation of [0, span), shifted past 0. */
function idPermutation(rng: Rng, n: number): (i: number) => number {
  const span = Math.max(1000, n * 10);
  let a = 2_654_435_761 % span;
  while (gcd(a, span) !== 1) a++;
  const b = rng.int(span);
  return (i) => 2 + ((a * i + b) % span);
}

function distinctIndices(rng: Rng, n: number, count: number, taken: Set<number>): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const i = rng.int(n);
    if (taken.has(i)) continue;
    taken.add(i);
    out.push(i);
  }
  return out;
}

function shiftDate(date: string, days: number): string {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  return new Date(t + days * 86_400_000).toISOString().slice(0, 10);
}

function spliceText(rng: Rng, a: string, b: string): string {
  if (a === '' || b === '') return a;
  const sa = a.split(/(?<=[.!?])\s+/);
  const sb = b.split(/(?<=[.!?])\s+/);
  return [...sa.slice(0, Math.ceil(sa.length / 2)), ...sb.slice(Math.ceil(sb.length / 2))].join(' ') || a;
}

function jitterBudget(rng: Rng, raw: string): string {
  const b = Number(raw);
  if (!Number.isFinite(b) || b <= 0) return raw;
  const v = b * rng.pick([0.5, 0.75, 0.8, 1, 1, 1.2, 1.25, 1.5, 2]);
  return String(b % 100_000 === 0 ? Math.max(100_000, Math.round(v / 100_000) * 100_000) : Math.round(v));
}

function jitterRevenue(rng: Rng, raw: string): string {
  const r = Number(raw);
  if (!Number.isFinite(r) || r <= 0) return raw;
  return String(Math.max(1, Math.round(r * (0.6 + 0.8 * rng.float()))));
}

function concatList(a: string, b: string): string {
  if (a === '[]') return b;
  if (b === '[]') return a;
  return `${a.slice(0, -1)}, ${b.slice(1)}`;
}

/** Cut a list literal at an entry boundary so it fits `max` characters. */
function truncateList(lit: string, max: number): string {
  if (lit.length <= max) return lit;
  const cut = lit.lastIndexOf('}, {', max - 2);
  return cut < 0 ? '[]' : `${lit.slice(0, cut + 1)}]`;
}

/** Drop the last entry of a list literal (a duplicate credits row that differs from its twin). */
function dropLastEntry(lit: string): string {
  const cut = lit.lastIndexOf('}, {');
  return cut < 0 ? '[]' : `${lit.slice(0, cut + 1)}]`;
}

const stripCsvSpecials = (s: string) => s.replace(/[",\r\n]+/g, ' ').trim();

interface Plan<T> {
  /** logical movie index after which the copy is written */
  at: number;
  origin: number;
  data: T;
}

function planAt<T>(rng: Rng, n: number, origins: number[], data: (k: number) => T): Map<number, Plan<T>[]> {
  const byAt = new Map<number, Plan<T>[]>();
  origins.forEach((origin, k) => {
    const at = Math.min(n - 1, origin + 1 + rng.int(2000));
    const list = byAt.get(at) ?? [];
    list.push({ at, origin, data: data(k) });
    byAt.set(at, list);
  });
  return byAt;
}

/** Writes the three synthetic files, SYNTHETIC.md and synth.json into `outDir`. */
export async function generateSynth(opts: SynthOptions): Promise<SynthSummary> {
  const t0 = performance.now();
  const n = opts.movies;
  if (!Number.isInteger(n) || n < 20) throw new Error(`movies must be a whole number >= 20 (got ${n})`);
  const seed = opts.seed ?? 1;
  const gzip = opts.gzip ?? true;
  const gzipLevel = gzip ? (opts.gzipLevel ?? 6) : null;
  const creditsBytesTarget = opts.creditsBytes ?? defaultCreditsBytes(n);
  const sourceDir = opts.sourceDir ?? SHARED_TMDB_DIR;
  const real: RealData = await loadRealData(sourceDir);
  const rng = new Rng(seed);

  const H = (name: string) => {
    const i = real.moviesHeader.indexOf(name);
    if (i < 0) throw new Error(`movies header lacks ${name}`);
    return i;
  };
  const col = {
    collection: H('belongs_to_collection'),
    budget: H('budget'),
    id: H('id'),
    imdb: H('imdb_id'),
    lang: H('original_language'),
    originalTitle: H('original_title'),
    overview: H('overview'),
    popularity: H('popularity'),
    date: H('release_date'),
    revenue: H('revenue'),
    title: H('title'),
    voteCount: H('vote_count'),
  };
  const realTitles = real.movies.map((r) => r[col.title]).filter((t) => t.trim() !== '');
  const realDates = real.movies.map((r) => r[col.date]).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d));
  const withCollection = real.movies.filter((r) => r[col.collection].startsWith('{')).length;
  // Movies join a (synthetic) collection at the real full file's share, from bases that had one.
  const collectionChance = Math.min(1, REAL_FULL.inCollection / REAL_FULL.movies / (withCollection / real.movies.length));
  const keywordLiterals = [...real.keywordsById.values()];

  const titles = new TitleMaker(rng, realTitles);
  const collections = new CollectionMaker(rng);
  const idOf = idPermutation(rng, n);
  const variants =
    opts.personVariants ?? 1 + Math.floor(n / (real.credits.length * 2.5));
  const people = new PeopleVarier(real.names, hash32(seed, 0xbeef), variants);

  // Dirt, scaled from the real file's counts and placed at distinct logical movies.
  const taken = new Set<number>();
  const shifted = new Set(distinctIndices(rng, n, scaled(REAL_FULL.shiftedRecords, n), taken));
  const missingDate = new Set(distinctIndices(rng, n, scaled(REAL_FULL.missingReleaseDate, n), taken));
  const nMovieDup = scaled(REAL_FULL.duplicateMovieRows, n);
  const movieDupOrigins = distinctIndices(rng, n - 1, nMovieDup, new Set(shifted));
  if (nMovieDup >= 3) movieDupOrigins[nMovieDup - 1] = movieDupOrigins[0]; // one id three times, as in the real file
  const nMovieDiffer = Math.round((nMovieDup * REAL_FULL.duplicateMovieRowsDiffering) / REAL_FULL.duplicateMovieRows);
  const movieDupPlan = planAt(rng, n, movieDupOrigins, (k) => ({ differ: k < nMovieDiffer }));
  const nCreditDup = scaled(REAL_FULL.duplicateCreditRows, n);
  const creditDupOrigins = [...new Set(movieDupOrigins)].slice(0, nCreditDup);
  creditDupOrigins.push(...distinctIndices(rng, n - 1, nCreditDup - creditDupOrigins.length, new Set(creditDupOrigins)));
  const nCreditDiffer = Math.round((nCreditDup * REAL_FULL.duplicateCreditRowsDiffering) / REAL_FULL.duplicateCreditRows);
  const creditDupPlan = planAt(rng, n, creditDupOrigins, (k) => ({ differ: k >= nCreditDup - nCreditDiffer }));
  const nKeywordDup = Math.max(1, Math.round((REAL_FULL.duplicateKeywordRows * n) / REAL_FULL.keywordIds));
  const keywordDupOrigins = distinctIndices(rng, n - 1, nKeywordDup, new Set());
  const keywordDupPlan = planAt(rng, n, keywordDupOrigins, () => null);
  const keepMovie = new Set(movieDupOrigins);
  const keepCredit = new Set(creditDupOrigins);
  const keepKeyword = new Set(keywordDupOrigins);
  const keptMovies = new Map<number, string[]>();
  const keptCredits = new Map<number, string[]>();
  const keptKeywords = new Map<number, string[]>();

  await mkdir(opts.outDir, { recursive: true });
  const ext = gzip ? '.gz' : '';
  for (const base of Object.values(SYNTH_BASENAMES)) {
    // A stale copy in the other format would be read as a second part of the table.
    for (const e of ['', '.gz']) await rm(path.join(opts.outDir, base + e), { force: true });
  }
  await rm(path.join(opts.outDir, SYNTH_MANIFEST), { force: true });
  const out = {
    movies: new CsvFileWriter(path.join(opts.outDir, SYNTH_BASENAMES.movies + ext), real.moviesHeader, gzipLevel),
    credits: new CsvFileWriter(path.join(opts.outDir, SYNTH_BASENAMES.credits + ext), real.creditsHeader, gzipLevel),
    keywords: new CsvFileWriter(path.join(opts.outDir, SYNTH_BASENAMES.keywords + ext), real.keywordsHeader, gzipLevel),
  };

  // Credits byte budget: pick the real row (of two drawn) that keeps the running size on target.
  const cc = { cast: real.creditsHeader.indexOf('cast'), crew: real.creditsHeader.indexOf('crew'), id: real.creditsHeader.indexOf('id') };
  const srcBytes = real.credits.map((c) => csvFieldBytes(c.cast) + csvFieldBytes(c.crew) + 10);
  const meanSrc = srcBytes.reduce((a, b) => a + b, 0) / srcBytes.length;
  const perRow = (creditsBytesTarget - csvFieldBytes(real.creditsHeader.join(','))) / n;
  let creditsBody = 0;
  const creditsRow = (i: number, id: string): string[] => {
    const deficit = perRow * (i + 1) - creditsBody;
    const a = rng.int(real.credits.length);
    const b = rng.int(real.credits.length);
    const s = Math.abs(srcBytes[a] - deficit) <= Math.abs(srcBytes[b] - deficit) ? a : b;
    let { cast, crew } = real.credits[s];
    let size = srcBytes[s];
    if (perRow > 1.5 * meanSrc) {
      // Asked for more than real rows hold: append other rows' people.
      for (let k = 0; k < 64 && size < deficit - meanSrc / 2; k++) {
        const o = rng.int(real.credits.length);
        cast = concatList(cast, real.credits[o].cast);
        crew = concatList(crew, real.credits[o].crew);
        size += srcBytes[o];
      }
    } else if (perRow < 0.5 * meanSrc && size > deficit) {
      const room = Math.max(0, deficit);
      cast = truncateList(cast, Math.floor(room * 0.6));
      crew = truncateList(crew, Math.floor(room * 0.4));
    }
    const row: string[] = [];
    row[cc.cast] = people.vary(cast, i);
    row[cc.crew] = people.vary(crew, i);
    row[cc.id] = id;
    return row;
  };
  const rowBytes = (row: string[]) => row.reduce((acc, f) => acc + csvFieldBytes(f), row.length);

  const movieRow = (i: number): { m: string[]; baseId: string } => {
    const base = real.movies[rng.int(real.movies.length)];
    const other = real.movies[rng.int(real.movies.length)];
    const m = base.slice();
    m[col.id] = String(idOf(i));
    m[col.imdb] = `tt${9_000_000 + i}`;
    let title: string;
    if (base[col.collection].startsWith('{') && rng.chance(collectionChance)) {
      const joined = collections.join(() => titles.make(), base[col.collection]);
      title = joined.title;
      m[col.collection] = joined.literal;
    } else {
      title = titles.make();
      m[col.collection] = '';
    }
    m[col.title] = title;
    m[col.originalTitle] = base[col.lang] === 'en' || base[col.originalTitle] === base[col.title] ? title : base[col.originalTitle];
    m[col.overview] = spliceText(rng, base[col.overview], other[col.overview]);
    m[col.date] = missingDate.has(i) ? '' : shiftDate(rng.pick(realDates), rng.range(-400, 400));
    m[col.budget] = jitterBudget(rng, base[col.budget]);
    m[col.revenue] = jitterRevenue(rng, base[col.revenue]);
    return { m, baseId: base[col.id] };
  };

  /** The real file's broken records: a stub ending in an unquoted overview head, then the rest shifted 9 left. */
  const shiftedRecords = (m: string[]): [string[], string[]] => {
    const head = stripCsvSpecials(m[col.overview]).split(' ').slice(0, 12).join(' ') || 'A story';
    const h = hash32(seed, Number(m[col.id]));
    const author = `${real.names.first['0'][h % real.names.first['0'].length]} ${real.names.last[hash32(h, 2) % real.names.last.length]}`;
    const tail = ` - Written by ${stripCsvSpecials(author)}`;
    return [[...m.slice(0, col.overview), head], [tail, ...m.slice(col.overview + 1)]];
  };

  const dirt: SynthDirt = {
    shiftedIds: [],
    duplicateMovieIds: [],
    duplicateMovieRowsDiffering: 0,
    missingReleaseDateIds: [...missingDate].sort((a, b) => a - b).map(idOf),
    duplicateCreditIds: [],
    duplicateCreditRowsDiffering: 0,
    duplicateKeywordRows: 0,
  };
  let moviesInCollections = 0;
  const progressEvery = Math.max(1, Math.floor(n / 100));

  for (let i = 0; i < n; i++) {
    const { m, baseId } = movieRow(i);
    const id = m[col.id];
    if (m[col.collection] !== '') moviesInCollections++;
    if (shifted.has(i)) {
      dirt.shiftedIds.push(Number(id));
      for (const rec of shiftedRecords(m)) await out.movies.write(rec);
    } else {
      await out.movies.write(m);
    }
    if (keepMovie.has(i)) keptMovies.set(i, m);

    const c = creditsRow(i, id);
    creditsBody += rowBytes(c);
    await out.credits.write(c);
    if (keepCredit.has(i)) keptCredits.set(i, c);

    const kwRow: string[] = [];
    kwRow[real.keywordsHeader.indexOf('id')] = id;
    // keywords.csv is complete, so a random real row gives the full file's distribution (a third are
    // '[]'); the base's own keywords (popular films, long lists) now and then keep some topics coherent.
    kwRow[real.keywordsHeader.indexOf('keywords')] =
      (rng.chance(0.1) ? real.keywordsById.get(baseId) : undefined) ?? rng.pick(keywordLiterals);
    await out.keywords.write(kwRow);
    if (keepKeyword.has(i)) keptKeywords.set(i, kwRow);

    for (const p of movieDupPlan.get(i) ?? []) {
      const orig = keptMovies.get(p.origin)!;
      const copy = orig.slice();
      if (p.data.differ) {
        // Real conflicting duplicates differ in volatile fields such as popularity and votes.
        copy[col.popularity] = (Number(orig[col.popularity]) * (0.5 + rng.float()) || rng.float()).toFixed(6);
        copy[col.voteCount] = String((Number(orig[col.voteCount]) || 0) + rng.range(1, 40));
        dirt.duplicateMovieRowsDiffering++;
      }
      dirt.duplicateMovieIds.push(Number(orig[col.id]));
      await out.movies.write(copy);
    }
    for (const p of creditDupPlan.get(i) ?? []) {
      const copy = keptCredits.get(p.origin)!.slice();
      if (p.data.differ) {
        copy[cc.cast] = dropLastEntry(copy[cc.cast]);
        dirt.duplicateCreditRowsDiffering++;
      }
      dirt.duplicateCreditIds.push(Number(copy[cc.id]));
      creditsBody += rowBytes(copy);
      await out.credits.write(copy);
    }
    for (const p of keywordDupPlan.get(i) ?? []) {
      await out.keywords.write(keptKeywords.get(p.origin)!);
      dirt.duplicateKeywordRows++;
    }
    if (opts.onProgress && (i + 1) % progressEvery === 0) opts.onProgress(i + 1, n);
  }

  const written = {
    movies: await out.movies.close(),
    credits: await out.credits.close(),
    keywords: await out.keywords.close(),
  };
  const files = Object.fromEntries(
    Object.entries(written).map(([t, w]) => {
      const { file, ...rest } = w;
      return [t, { name: path.basename(file), ...rest }];
    }),
  ) as Record<SynthTable, SynthFileSummary>;
  const summary: SynthSummary = {
    generator: 'marquee-synth',
    generatorVersion: SYNTH_GENERATOR_VERSION,
    synthetic: true,
    seed,
    movies: n,
    creditsBytesTarget,
    gzip,
    gzipLevel,
    source: { dir: sourceDir, movies: real.movies.length, credits: real.credits.length, keywordIds: real.keywordsById.size },
    personVariants: variants,
    collections: collections.count,
    moviesInCollections,
    files,
    dirt,
    ms: Math.round(performance.now() - t0),
    createdBy: `npm run data:synth -- --movies ${n} --out <dir> --seed ${seed}${opts.creditsBytes ? ` --credits-bytes ${opts.creditsBytes}` : ''}${gzip ? '' : ' --plain'}`,
  };
  await writeFile(path.join(opts.outDir, SYNTH_README), synthReadme(summary));
  // Written last: its presence marks a complete set (the benchmark's cache relies on it).
  // Without the timing, so the whole folder is byte-identical for a seed.
  const { ms: _ms, ...persisted } = summary;
  await writeFile(path.join(opts.outDir, SYNTH_MANIFEST), JSON.stringify(persisted, null, 2) + '\n');
  return summary;
}

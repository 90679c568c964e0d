// extract + transform over the real (partial) TMDB files in /work/shared/data/tmdb. Expectations are
// computed here from the raw rows by other means than the pipeline's: csv-parse's sync API on the
// gunzipped text, regular expressions instead of the literal parser.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig, SHARED_TMDB_DIR } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import type { StageContext } from '../../pipeline/stages/context.js';
import { runExtract } from '../../pipeline/stages/extract.js';
import { runTransform } from '../../pipeline/stages/transform.js';
import type { Movie, QuarantineRecord, StageResult } from '../../pipeline/types.js';
import { parseDictList, parsePyLiteral, type PyValue } from '../../pipeline/sources/pyliteral.js';

const HAVE_DATA = existsSync(SHARED_TMDB_DIR);
if (!HAVE_DATA) console.warn(`etl-real: skipped, the shared TMDB data is not at ${SHARED_TMDB_DIR}`);

type Row = Record<string, string>;
interface Raw {
  file: string;
  rows: Row[];
}

async function readRaw(prefix: RegExp): Promise<Raw[]> {
  const files = (await readdir(SHARED_TMDB_DIR)).filter((f) => prefix.test(f)).sort();
  const out: Raw[] = [];
  for (const file of files) {
    const text = gunzipSync(await readFile(path.join(SHARED_TMDB_DIR, file))).toString('utf8');
    out.push({ file, rows: parse(text, { columns: true, relax_quotes: true }) as Row[] });
  }
  return out;
}

/** A string literal's body as written ('...' or "..."), with the escapes these files use undone. */
const STR = String.raw`(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")`;
const unescape = (s: string) =>
  s.replace(/\\(x[0-9a-fA-F]{2}|['"\\])/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e));
/** Values of `key` in every flat {...} of a Python literal, in order. */
function field(literal: string, key: string): (string | null)[] {
  const dicts = literal.match(/\{[^{}]*\}/g) ?? [];
  return dicts.map((d) => {
    const m = new RegExp(`'${key}': (?:${STR}|(-?[\\d.]+))`).exec(d);
    return m ? unescape(m[1] ?? m[2] ?? m[3]) : null;
  });
}
/** The pipeline trims names and leaves out blank ones (a keyword named '\xa0' exists). */
const clean = (names: (string | null)[]) => names.map((n) => (n ?? '').trim()).filter((n) => n !== '');
const namesOf = (literal: string) => clean(field(literal, 'name'));

/** Deterministic sample: Park–Miller generator with a fixed seed. */
function sample<T>(xs: T[], n: number, seed = 20240607): T[] {
  let s = seed;
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) {
    s = (s * 48271) % 2147483647;
    out.push(pool.splice(s % pool.length, 1)[0]);
  }
  return out;
}

const isRealDate = (t: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) return false;
  const d = new Date(`${t}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(t);
};

let work: string;
let extract: StageResult;
let transform: StageResult;
let catalog: Map<number, Movie>;
let arrowBytes: Buffer;
let quarantine: QuarantineRecord[];
let movies: Raw[];
let credits: Raw[];
let keywords: Raw[];
/** first raw row of each movie id, in table order */
const firstMovie = new Map<number, Row>();
const creditsById = new Map<number, Row>();
const keywordsById = new Map<number, Row>();

describe.skipIf(!HAVE_DATA)('ETL on the real shared TMDB files', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'marquee-etl-real-'));
    const ctx: StageContext = {
      config: loadConfig({ dataDir: SHARED_TMDB_DIR, artifactsDir: path.join(work, 'artifacts') }),
      runId: 'etl-real',
      version: 'v',
      dir: path.join(work, 'v'),
      log: createLogger('test', 'silent'),
      progress: () => {},
    };
    [extract, [movies, credits, keywords]] = await Promise.all([
      runExtract(ctx),
      Promise.all([readRaw(/^movies_dataset.*\.csv\.gz$/), readRaw(/^credits.*\.csv\.gz$/), readRaw(/^keywords.*\.csv\.gz$/)]),
    ]);
    transform = await runTransform(ctx);
    const lines = async (f: string) =>
      (await readFile(path.join(ctx.dir, f), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    catalog = new Map((await lines('catalog.jsonl')).map((m: Movie) => [m.id, m]));
    arrowBytes = await readFile(path.join(ctx.dir, 'catalog.arrow'));
    quarantine = await lines('quarantine.jsonl');
    for (const { rows } of movies) for (const r of rows) if (!firstMovie.has(Number(r.id))) firstMovie.set(Number(r.id), r);
    for (const { rows } of credits) for (const r of rows) if (!creditsById.has(Number(r.id))) creditsById.set(Number(r.id), r);
    for (const { rows } of keywords) for (const r of rows) if (!keywordsById.has(Number(r.id))) keywordsById.set(Number(r.id), r);
  }, 120_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('catalog.arrow holds the same movies as catalog.jsonl, read with Arrow\'s own row API', () => {
    const table = tableFromIPC(arrowBytes);
    expect(table.numRows).toBe(catalog.size);
    // ids ascend, and every row's fields are the JSONL record's (nested fields flattened)
    const ids = [...catalog.keys()].sort((a, b) => a - b);
    const rows = table.toArray();
    rows.forEach((r, i) => {
      const o = r.toJSON() as Record<string, unknown>;
      const m = catalog.get(ids[i])!;
      const list = (v: unknown) => [...((v as Iterable<string> | null) ?? [])];
      expect(o.id).toBe(m.id);
      expect(o.title).toBe(m.title);
      expect(o.overview).toBe(m.overview);
      expect(o.release_date).toBe(m.releaseDate);
      expect(o.runtime).toBe(m.runtime);
      expect(o.budget).toBe(m.budget);
      expect(o.vote_count).toBe(m.voteCount);
      expect(o.collection_id ?? null).toBe(m.collection?.id ?? null);
      expect(list(o.cast)).toEqual(m.cast);
      expect(list(o.genres)).toEqual(m.genres);
      expect(list(o.production_country_codes)).toEqual(m.productionCountries.map((c) => c.code));
      expect(o.has_credits).toBe(m.hasCredits);
    });
    // names are dictionary-encoded: far fewer distinct names than name slots
    const cast = table.getChild('cast')!;
    expect(String(cast.type)).toBe('List<Dictionary<Int32, Utf8>>');
  });

  test('every input file is listed with its size and sha256', async () => {
    const names = (await readdir(SHARED_TMDB_DIR)).filter((f) => /^(movies_dataset|credits|keywords).*\.csv\.gz$/.test(f));
    expect(extract.inputs!.map((i) => i.file).sort()).toEqual(names.sort());
    for (const i of extract.inputs!) {
      const bytes = await readFile(i.path);
      expect(i.bytes).toBe(bytes.length);
      expect(i.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  test('rows read, kept, repeated and quarantined per table', () => {
    const c = extract.counts!;
    const total = (t: Raw[]) => t.reduce((n, f) => n + f.rows.length, 0);
    const movieRows = total(movies);
    expect(c.movies_rows_read).toBe(movieRows);
    // every id repeat is quarantined; nothing else in these files is malformed (SOURCES.md: all literals parse)
    expect(c.movies_rows_kept).toBe(firstMovie.size);
    expect(quarantine.filter((q) => q.table === 'movies').map((q) => q.reason)).toEqual(
      Array(movieRows - firstMovie.size).fill('duplicate_id'),
    );
    expect(c.credits_rows_read).toBe(total(credits));
    expect(c.credits_rows_kept).toBe(creditsById.size);
    expect(c.keywords_rows_read).toBe(total(keywords));
    expect(c.keywords_rows_kept).toBe(keywordsById.size);
    // keywords repeats are exact: counted, not quarantined
    expect(c.keywords_duplicate_rows).toBe(total(keywords) - keywordsById.size);
    const perId = new Map<string, number>();
    for (const { rows } of keywords) for (const r of rows) perId.set(r.id, (perId.get(r.id) ?? 0) + 1);
    expect(c.keywords_duplicate_ids).toBe([...perId.values()].filter((n) => n > 1).length);
    expect(quarantine.filter((q) => q.table !== 'movies')).toEqual([]);
    expect(extract.quarantine).toEqual(movieRows > firstMovie.size ? { duplicate_id: movieRows - firstMovie.size } : {});
  });

  test('known figures of the shared data (SOURCES.md)', () => {
    const c = extract.counts!;
    expect(c.movies_rows_read).toBe(5098);
    expect(c.credits_rows_read).toBe(1095);
    expect(c.keywords_rows_read).toBe(46419);
    expect(c.keywords_duplicate_ids).toBe(985);
    const dup = quarantine.find((q) => q.reason === 'duplicate_id')!;
    expect(dup.id).toBe('105045');
  });

  test('published = kept movies with a real release date; the rest dropped and counted', () => {
    const valid = [...firstMovie.values()].filter((r) => isRealDate(r.release_date));
    expect(transform.counts!.movies_published).toBe(valid.length);
    expect(catalog.size).toBe(valid.length);
    expect(transform.counts!.dropped_no_release_date).toBe(firstMovie.size - valid.length);
    const ids = [...catalog.keys()];
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  test('credits and keywords join counts', () => {
    const published = [...catalog.keys()];
    expect(transform.counts!.movies_with_credits).toBe(published.filter((id) => creditsById.has(id)).length);
    expect([...catalog.values()].filter((m) => m.hasCredits).length).toBe(transform.counts!.movies_with_credits);
    expect(transform.counts!.credits_without_movie).toBe([...creditsById.keys()].filter((id) => !catalog.has(id)).length);
  });

  test('Toy Story (862)', () => {
    const m = catalog.get(862)!;
    expect(m).toMatchObject({
      title: 'Toy Story',
      budget: 30000000,
      revenue: 373554033,
      return: 373554033 / 30000000,
      releaseDate: '1995-10-30',
      releaseYear: 1995,
      runtime: 81,
      originalLanguage: 'en',
      collection: { id: 10194, name: 'Toy Story Collection' },
      genres: ['Animation', 'Comedy', 'Family'],
      productionCompanies: ['Pixar Animation Studios'],
      productionCountries: [{ code: 'US', name: 'United States of America' }],
      hasCredits: true,
    });
    expect(m.directors).toEqual(['John Lasseter']);
    expect(m.cast[0]).toBe('Tom Hanks');
    expect(m.cast[1]).toBe('Tim Allen');
    expect(m.keywords).toEqual(namesOf(keywordsById.get(862)!.keywords));
    expect(m.keywords).toContain('toy comes to life');
  });

  test('a fixed-seed sample of 300 movies matches its raw row', () => {
    const published = [...catalog.values()];
    for (const m of sample(published, 300)) {
      const raw = firstMovie.get(m.id)!;
      const num = (t: string) => (t.trim() === '' ? 0 : Number(t));
      expect(m.title).toBe(raw.title);
      expect(m.overview).toBe(raw.overview.trim());
      expect(m.releaseDate).toBe(raw.release_date);
      expect(m.releaseYear).toBe(Number(raw.release_date.slice(0, 4)));
      expect(m.budget).toBe(num(raw.budget));
      expect(m.revenue).toBe(num(raw.revenue));
      expect(m.return).toBe(m.budget > 0 && m.revenue > 0 ? m.revenue / m.budget : 0);
      expect(m.popularity).toBe(num(raw.popularity));
      expect(m.voteCount).toBe(num(raw.vote_count));
      expect(m.voteAverage).toBe(num(raw.vote_average));
      expect(m.runtime).toBe(num(raw.runtime) > 0 ? num(raw.runtime) : null);
      expect(m.originalLanguage).toBe(raw.original_language.toLowerCase());
      expect(m.genres).toEqual([...new Set(namesOf(raw.genres))]);
      expect(m.productionCompanies).toEqual([...new Set(namesOf(raw.production_companies))]);
      expect(m.productionCountries.map((c) => c.code)).toEqual(field(raw.production_countries, 'iso_3166_1'));
      expect(m.spokenLanguages.map((c) => c.code)).toEqual(field(raw.spoken_languages, 'iso_639_1'));
      const coll = raw.belongs_to_collection ? namesOf(raw.belongs_to_collection)[0] : undefined;
      expect(m.collection?.name).toBe(coll);
      const kw = keywordsById.get(m.id);
      expect(m.keywords).toEqual(kw ? [...new Set(namesOf(kw.keywords))] : []);
    }
  });

  test('every movie with credits: cast in billing order and directors, from the raw credits row', () => {
    let checked = 0;
    for (const m of catalog.values()) {
      const raw = creditsById.get(m.id);
      expect(m.hasCredits).toBe(raw !== undefined);
      if (!raw) continue;
      const names = field(raw.cast, 'name');
      const orders = field(raw.cast, 'order').map(Number);
      const billing = names.map((n, i) => ({ n, o: orders[i], i })).sort((a, b) => a.o - b.o || a.i - b.i);
      expect(m.cast).toEqual([...new Set(clean(billing.map((b) => b.n)))]);
      const jobs = field(raw.crew, 'job');
      const crewNames = field(raw.crew, 'name');
      expect(m.directors).toEqual([...new Set(clean(crewNames.filter((_, i) => jobs[i] === 'Director')))]);
      checked++;
    }
    expect(checked).toBe(transform.counts!.movies_with_credits);
    expect(checked).toBeGreaterThan(150);
  });

  test('on every real credits and keywords literal, the fast path equals the full parse, projected', () => {
    const project = (v: PyValue, keys: Set<string>) =>
      (v as Record<string, PyValue>[]).map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => keys.has(k))));
    const cast = new Set(['name', 'order']);
    const crew = new Set(['name', 'job']);
    for (const { rows } of credits) {
      for (const r of rows) {
        expect(parseDictList(r.cast, cast)).toEqual(project(parsePyLiteral(r.cast), cast));
        expect(parseDictList(r.crew, crew)).toEqual(project(parsePyLiteral(r.crew), crew));
      }
    }
    const kw = new Set(['id', 'name']);
    for (const r of sample(keywords[0].rows, 2000)) {
      expect(parseDictList(r.keywords, kw)).toEqual(project(parsePyLiteral(r.keywords), kw));
    }
  });
});

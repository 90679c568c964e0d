// Every cleaning and quarantine rule, on the handmade raw fixtures (test/fixtures/tmdb/README.md).
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import type { Progress, StageContext } from '../../pipeline/stages/context.js';
import { runExtract } from '../../pipeline/stages/extract.js';
import { runTransform } from '../../pipeline/stages/transform.js';
import { writeStageResult } from '../../pipeline/artifacts/store.js';
import { computeReturn, parseReleaseDate } from '../../pipeline/etl/cleaning.js';
import type { Movie, QuarantineRecord, StageResult } from '../../pipeline/types.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/tmdb');

let work: string;
let dataDir: string;

interface Built {
  dir: string;
  extract: StageResult;
  transform: StageResult;
  catalog: Movie[];
  quarantine: QuarantineRecord[];
  progress: Progress[];
}

async function build(name: string, csvThread: boolean, moviesPerPartition?: number): Promise<Built> {
  const dir = path.join(work, name);
  const progress: Progress[] = [];
  const ctx: StageContext = {
    config: loadConfig({ dataDir, artifactsDir: path.join(work, 'artifacts') }),
    runId: 'test',
    version: name,
    dir,
    log: createLogger('test', 'silent'),
    progress: (p) => progress.push(p),
    moviesPerPartition,
  };
  const extract = await runExtract(ctx, { csvThread });
  // with extract's result on disk transform takes the movie ids from it; without, it scans extract's movies file
  if (moviesPerPartition !== undefined) await writeStageResult(dir, extract);
  const transform = await runTransform(ctx);
  const lines = async (f: string) =>
    (await readFile(path.join(dir, f), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  return { dir, extract, transform, catalog: await lines('catalog.jsonl'), quarantine: await lines('quarantine.jsonl'), progress };
}

let inline: Built;
let threaded: Built;
/** transform joined in partitions of 3 movies */
let partitioned: Built;
/** The fixture rows, parsed by csv-parse's sync API (not the pipeline's stream reader). */
let rawMovies: Record<string, string>[];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'marquee-cleaning-'));
  dataDir = path.join(work, 'raw');
  await rm(dataDir, { recursive: true, force: true });
  await (await import('node:fs/promises')).mkdir(dataDir, { recursive: true });
  for (const f of ['movies_dataset.fixture.csv', 'credits.fixture.csv', 'keywords.fixture.csv']) await copyFile(path.join(FIXTURES, f), path.join(dataDir, f));
  // the second movies part arrives gzipped, like the shared data
  await writeFile(
    path.join(dataDir, 'movies_dataset.fixture.part2.csv.gz'),
    gzipSync(await readFile(path.join(FIXTURES, 'movies_dataset.fixture.part2.csv'))),
  );
  // a file that is not an input is ignored
  await writeFile(path.join(dataDir, 'links.csv'), 'movieId,imdbId,tmdbId\n1,0114709,862\n');
  rawMovies = [];
  for (const f of ['movies_dataset.fixture.csv', 'movies_dataset.fixture.part2.csv']) {
    const rows = parse(await readFile(path.join(FIXTURES, f)), { columns: true, relax_column_count: true, relax_quotes: true });
    rawMovies.push(...(rows as Record<string, string>[]));
  }
  inline = await build('inline', false);
  threaded = await build('threaded', true);
  partitioned = await build('partitioned', false, 3);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const byId = (b: Built, id: number) => {
  const m = b.catalog.find((x) => x.id === id);
  if (!m) throw new Error(`movie ${id} not in catalog`);
  return m;
};

describe('inputs', () => {
  test('every part of every table is read and fingerprinted; other files are ignored', async () => {
    const files = inline.extract.inputs!.map((i) => i.file);
    expect(files).toEqual(['movies_dataset.fixture.csv', 'movies_dataset.fixture.part2.csv.gz', 'credits.fixture.csv', 'keywords.fixture.csv']);
    for (const i of inline.extract.inputs!) {
      const bytes = await readFile(i.path);
      expect(i.bytes).toBe(bytes.length);
      expect(i.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  test('rows read per table, counting both movies parts (the header of each part is not a row)', () => {
    const c = inline.extract.counts!;
    // movies_dataset.csv has 15 data records (one physical record is split in two), part2 has 2
    expect(c.movies_rows_read).toBe(17);
    expect(c.credits_rows_read).toBe(8);
    expect(c.keywords_rows_read).toBe(8);
  });

  test('progress is reported in rows', () => {
    const last = inline.progress.filter((p) => p.stage === 'extract').at(-1)!;
    expect(last.unit).toBe('rows');
    expect(last.done).toBe(17 + 8 + 8);
  });
});

describe('quarantine', () => {
  const find = (b: Built, reason: string, table = 'movies') => b.quarantine.filter((q) => q.reason === reason && q.table === table);

  test('the shifted half-row (id holds a date) is shifted_columns; its first half is malformed_row', () => {
    const [shifted] = find(inline, 'shifted_columns');
    expect(shifted).toMatchObject({ file: 'movies_dataset.fixture.csv', row: 11, id: '1997-08-20' });
    expect(shifted.detail).toContain('"1997-08-20" (a date)');
    expect(shifted.detail).toContain('15 fields, header has 24');
    expect(shifted.raw).toContain('Written by Someone');
    const [malformed] = find(inline, 'malformed_row');
    expect(malformed).toMatchObject({ file: 'movies_dataset.fixture.csv', row: 10, id: '110' });
    expect(malformed.detail).toContain('10 fields, header has 24');
    // neither half is guessed into the catalog
    expect(inline.catalog.some((m) => m.id === 110 || m.title === 'Juliet Split')).toBe(false);
  });

  test('bad id', () => {
    const [q] = find(inline, 'bad_id');
    expect(q).toMatchObject({ row: 13, id: 'abc' });
    expect(q.detail).toContain('not a positive integer');
  });

  test('a literal that does not parse: column, row and position', () => {
    const [q] = find(inline, 'unparsable_literal');
    expect(q).toMatchObject({ table: 'movies', row: 7, id: '107' });
    const genres = rawMovies.find((r) => r.id === '107')!.genres;
    expect(q.detail).toContain(`column genres, row 7`);
    expect(q.detail).toContain(`position ${genres.length}`);
    expect(q.detail).toContain('found end of input');
    expect(inline.catalog.some((m) => m.id === 107)).toBe(false);
  });

  test('a literal that parses to the wrong shape', () => {
    const [q] = find(inline, 'unexpected_literal');
    expect(q).toMatchObject({ row: 15, id: '112' });
    expect(q.detail).toContain('column genres');
    expect(q.detail).toContain('expected a list of dicts, found an int');
  });

  test('duplicate movie ids: the first is kept, the others quarantined (identical or not)', () => {
    const dups = find(inline, 'duplicate_id');
    expect(dups.map((q) => [q.file, q.row, q.id])).toEqual([
      ['movies_dataset.fixture.csv', 12, '102'],
      ['movies_dataset.fixture.part2.csv.gz', 1, '101'],
    ]);
    expect(dups[0].detail).toContain('row differs');
    expect(dups[1].detail).toContain('identical row');
    expect(byId(inline, 102).title).toBe('Bravo');
  });

  test('credits and keywords: conflicting repeats and bad literals quarantined, exact repeats counted', () => {
    expect(find(inline, 'unparsable_literal', 'credits')).toMatchObject([{ id: '106', row: 3 }]);
    expect(find(inline, 'unparsable_literal', 'credits')[0].detail).toContain('column crew');
    expect(find(inline, 'duplicate_id', 'credits')).toMatchObject([{ id: '109', row: 6 }]);
    expect(find(inline, 'unparsable_literal', 'keywords')).toMatchObject([{ id: '111', row: 5 }]);
    const c = inline.extract.counts!;
    expect(c.credits_duplicate_rows).toBe(1);
    expect(c.keywords_duplicate_rows).toBe(2);
    expect(c.keywords_duplicate_ids).toBe(2);
  });

  test('counts by reason agree with quarantine.jsonl, and nothing read is unaccounted for', () => {
    const byReason: Record<string, number> = {};
    for (const q of inline.quarantine) byReason[q.reason] = (byReason[q.reason] ?? 0) + 1;
    expect(inline.extract.quarantine).toEqual(byReason);
    expect(byReason).toEqual({
      malformed_row: 1,
      shifted_columns: 1,
      bad_id: 1,
      unparsable_literal: 3,
      unexpected_literal: 1,
      duplicate_id: 3,
    });
    const c = { ...inline.extract.counts!, ...inline.transform.counts! };
    for (const t of ['movies', 'credits', 'keywords']) {
      expect(c[`${t}_rows_read`]).toBe(c[`${t}_rows_kept`] + c[`${t}_quarantined`] + (c[`${t}_duplicate_rows`] ?? 0));
    }
    expect(c.movies_rows_kept).toBe(c.movies_published + c.dropped_no_release_date);
  });
});

describe('release dates', () => {
  test('a missing and an impossible date drop the row (counted, listed in dropped.jsonl), not quarantined', async () => {
    const c = inline.transform.counts!;
    expect(c.dropped_no_release_date).toBe(2);
    expect(c.dropped_missing_release_date).toBe(1);
    expect(c.dropped_invalid_release_date).toBe(1);
    expect(inline.catalog.some((m) => m.id === 103 || m.id === 104)).toBe(false);
    expect(inline.quarantine.some((q) => q.id === '103' || q.id === '104')).toBe(false);
    const dropped = (await readFile(path.join(inline.dir, 'dropped.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(dropped.map((d) => [d.id, d.reason, d.value])).toEqual([
      [103, 'missing_release_date', ''],
      [104, 'invalid_release_date', '2019-02-30'],
    ]);
  });

  test('every published movie has a YYYY-MM-DD date that is a real day, and its year', () => {
    for (const m of inline.catalog) {
      const raw = rawMovies.find((r) => r.id === String(m.id))!;
      expect(m.releaseDate).toBe(raw.release_date);
      const d = new Date(`${m.releaseDate}T00:00:00Z`);
      expect(d.toISOString().slice(0, 10)).toBe(m.releaseDate);
      expect(m.releaseYear).toBe(d.getUTCFullYear());
    }
    expect(byId(inline, 120).releaseDate).toBe('2020-02-29');
  });

  test.each([
    ['2001-02-03', true],
    ['2020-02-29', true],
    ['2019-02-29', false],
    ['2019-13-01', false],
    ['1995-10-30 ', true],
    ['10/30/1995', false],
    ['1995-10', false],
    ['', false],
  ])('parseReleaseDate(%j) ok=%s', (text, ok) => {
    expect(parseReleaseDate(text).ok).toBe(ok);
  });
});

describe('movie fields', () => {
  test('the published ids, sorted', () => {
    expect(inline.catalog.map((m) => m.id)).toEqual([101, 102, 105, 106, 108, 109, 111, 120]);
  });

  test('numbers as the raw rows give them; missing money is 0; return = revenue/budget when both > 0', () => {
    for (const m of inline.catalog) {
      const raw = rawMovies.find((r) => r.id === String(m.id))!;
      const num = (t: string) => (t.trim() === '' ? 0 : Number(t));
      const budget = Number.isFinite(num(raw.budget)) ? num(raw.budget) : 0;
      expect(m.budget).toBe(budget);
      expect(m.revenue).toBe(num(raw.revenue));
      expect(m.return).toBe(m.budget > 0 && m.revenue > 0 ? m.revenue / m.budget : 0);
      expect(m.popularity).toBe(num(raw.popularity));
      expect(m.voteAverage).toBe(num(raw.vote_average));
      expect(m.voteCount).toBe(num(raw.vote_count));
      expect(m.title).toBe(raw.title);
    }
    expect(byId(inline, 101).return).toBe(3);
    expect(byId(inline, 102).return).toBe(0.5);
    expect(byId(inline, 106)).toMatchObject({ budget: 0, revenue: 500, return: 0 });
    expect(byId(inline, 108)).toMatchObject({ budget: 0, revenue: 0, return: 0, runtime: null });
    expect(computeReturn(10, 0)).toBe(0);
  });

  test('budget given as text becomes 0 (unknown) and is counted', () => {
    expect(byId(inline, 105)).toMatchObject({ budget: 0, revenue: 7000000, return: 0 });
    expect(inline.transform.counts!.budget_not_numeric).toBe(1);
  });

  test('runtime in minutes; 0 and missing are null', () => {
    expect(byId(inline, 101).runtime).toBe(100);
    expect(byId(inline, 106).runtime).toBeNull();
    expect(inline.transform.counts!.runtime_zero_as_null).toBe(1);
  });

  test('nested columns unnested: collection, genres, companies, countries, spoken languages', () => {
    expect(byId(inline, 101)).toMatchObject({
      collection: { id: 900, name: 'Alpha Collection' },
      genres: ['Animation', 'Comedy'],
      productionCompanies: ["O'Brien Films", 'Acme Pictures'],
      productionCountries: [
        { code: 'US', name: 'United States of America' },
        { code: 'JP', name: 'Japan' },
      ],
      spokenLanguages: [
        { code: 'en', name: 'English' },
        { code: 'ja', name: '日本語' },
      ],
      originalLanguage: 'en',
      tagline: "It's alpha.",
      status: 'Released',
    });
    expect(byId(inline, 102).collection).toBeNull();
  });

  test('overviews keep their embedded newlines', () => {
    expect(byId(inline, 111).overview).toBe('First line of the overview.\nSecond line, with "quotes", commas.');
  });

  test('dropped columns are absent; every Movie field is present', () => {
    const keys = Object.keys(byId(inline, 101)).sort();
    expect(keys).toEqual(
      [
        'id', 'title', 'overview', 'tagline', 'releaseDate', 'releaseYear', 'budget', 'revenue', 'return', 'runtime',
        'popularity', 'voteAverage', 'voteCount', 'originalLanguage', 'status', 'collection', 'genres',
        'productionCompanies', 'productionCountries', 'spokenLanguages', 'cast', 'directors', 'keywords', 'hasCredits',
      ].sort(),
    );
    const json = JSON.stringify(inline.catalog);
    for (const gone of ['imdb', 'poster', 'homepage', 'original_title', 'originalTitle', 'video', 'adult', '(orig)']) {
      expect(json).not.toContain(gone);
    }
  });
});

describe('credits and keywords joined', () => {
  test('cast in billing order (by order, not by position), non-ASCII and apostrophes intact', () => {
    expect(byId(inline, 101).cast).toEqual(['Penélope Cruz', 'Tom Hanks', '北野武', "Sinéad O'Connor"]);
  });

  test('directors: crew with job Director, in crew order, once each', () => {
    expect(byId(inline, 101).directors).toEqual(['John Lasseter', 'Jane Co']);
    expect(byId(inline, 109).directors).toEqual(['Clint Eastwood']);
  });

  test('a director who also acts is in both lists; the first credits row of an id wins', () => {
    expect(byId(inline, 109).cast).toEqual(['Clint Eastwood', 'Gene Hackman']);
  });

  test('hasCredits: true with a credits row (even an empty one), false without', () => {
    expect(byId(inline, 108)).toMatchObject({ hasCredits: false, cast: [], directors: [] });
    expect(byId(inline, 120)).toMatchObject({ hasCredits: true, cast: [], directors: [] });
    // the credits row of 106 did not parse: quarantined, so the movie has none
    expect(byId(inline, 106).hasCredits).toBe(false);
    expect(inline.transform.counts!.movies_with_credits).toBe(4);
    expect(inline.transform.counts!.credits_without_movie).toBe(1);
  });

  test('keyword names, with apostrophes; movies without a (parsable) keywords row have none', () => {
    expect(byId(inline, 101).keywords).toEqual(['jealousy', 'toy']);
    expect(byId(inline, 109).keywords).toEqual(["based on children's book", 'western']);
    expect(byId(inline, 105).keywords).toEqual([]);
    expect(byId(inline, 111).keywords).toEqual([]);
    expect(byId(inline, 120).keywords).toEqual(['leap day']);
    expect(inline.transform.counts!.keywords_without_movie).toBe(1);
  });
});

describe('stage results', () => {
  test('transform reports its files and the published count', () => {
    expect(inline.transform.files).toMatchObject({ catalog: 'catalog.jsonl', quarantine: 'quarantine.jsonl' });
    expect(inline.transform.counts!.movies_published).toBe(inline.catalog.length);
    expect(inline.extract.stage).toBe('extract');
    expect(inline.extract.peakRssBytes).toBeGreaterThan(0);
  });

  test('CSV decoded on a reader thread gives byte-identical outputs', async () => {
    expect(threaded.extract.info).toMatchObject({ csvThread: true });
    expect(inline.extract.info).toMatchObject({ csvThread: false });
    for (const f of ['catalog.jsonl', 'quarantine.jsonl', 'extract/credits.jsonl']) {
      expect(await readFile(path.join(threaded.dir, f), 'utf8')).toBe(await readFile(path.join(inline.dir, f), 'utf8'));
    }
    expect(threaded.extract.counts).toEqual(inline.extract.counts);
  });

  test('a transform joined in many small id partitions writes the same catalog and counts', async () => {
    expect(partitioned.transform.counts!.transform_partitions).toBeGreaterThan(3);
    expect(inline.transform.counts!.transform_partitions).toBe(1);
    for (const f of ['catalog.jsonl', 'quarantine.jsonl', 'dropped.jsonl']) {
      expect(await readFile(path.join(partitioned.dir, f), 'utf8'), f).toBe(await readFile(path.join(inline.dir, f), 'utf8'));
    }
    // the later half of the partitions was joined on a helper thread and its columns appended
    expect(Buffer.compare(await readFile(path.join(partitioned.dir, 'catalog.arrow')), await readFile(path.join(inline.dir, 'catalog.arrow')))).toBe(0);
    expect(partitioned.extract.info!.movieIds).toEqual({ count: expect.any(Number), min: expect.any(Number), max: expect.any(Number) });
    const { transform_partitions: _a, ...a } = partitioned.transform.counts!;
    const { transform_partitions: _b, ...b } = inline.transform.counts!;
    expect(a).toEqual(b);
    // the partition files are gone
    expect((await readdir(path.join(partitioned.dir, 'extract'))).filter((f) => f.includes('partition'))).toEqual([]);
  });

  test('an aborted run stops with the abort reason', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop requested'));
    const ctx: StageContext = {
      config: loadConfig({ dataDir, artifactsDir: path.join(work, 'artifacts') }),
      runId: 'test',
      version: 'aborted',
      dir: path.join(work, 'aborted'),
      log: createLogger('test', 'silent'),
      progress: () => {},
      signal: ac.signal,
    };
    await expect(runExtract(ctx, { csvThread: true })).rejects.toThrow('stop requested');
  });

  test('a table whose header lacks a required column fails the stage, naming the file; no temp files stay', async () => {
    const bad = path.join(work, 'badheader');
    await (await import('node:fs/promises')).mkdir(bad, { recursive: true });
    for (const f of ['movies_dataset.fixture.csv', 'credits.fixture.csv']) await copyFile(path.join(FIXTURES, f), path.join(bad, f));
    await writeFile(path.join(bad, 'keywords.fixture.csv'), 'movie_id,keywords\n1,[]\n');
    const dir = path.join(work, 'badheader-out');
    const ctx: StageContext = {
      config: loadConfig({ dataDir: bad, artifactsDir: path.join(work, 'artifacts') }),
      runId: 'test',
      version: 'bad',
      dir,
      log: createLogger('test', 'silent'),
      progress: () => {},
    };
    await expect(runExtract(ctx)).rejects.toThrow(/keywords\.fixture\.csv: header lacks column\(s\) id/);
    const left = await (await import('node:fs/promises')).readdir(path.join(dir, 'extract'));
    expect(left.filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('re-running the stages rewrites the same outputs', async () => {
    const again = await build('inline', false);
    expect(again.catalog).toEqual(inline.catalog);
    expect(again.quarantine).toEqual(inline.quarantine);
  });
});

// Rows an attacker or a broken export could send: an overview of 100,000 characters, bytes that
// are not UTF-8. They are quarantined with a reason and counted, never published or silently
// changed; a real U+FFFD in valid text is kept as it is.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { newRunContext } from '../../pipeline/stages/context.js';
import { STAGE_FNS } from '../../pipeline/stages/registry.js';
import type { Movie, QuarantineRecord, StageResult } from '../../pipeline/types.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'tmdb');
let dataDir: string;
let artifactsDir: string;
let extract: StageResult;
let quarantine: QuarantineRecord[];
let catalog: Movie[];

function movieRow(header: string[], values: Record<string, string>): Buffer {
  const base: Record<string, string> = {
    adult: 'False', budget: '0', genres: "[{'id': 18, 'name': 'Drama'}]", id: '', original_language: 'en',
    overview: 'A plain overview.', popularity: '1.0', production_companies: '[]', production_countries: '[]',
    release_date: '2001-01-01', revenue: '0', runtime: '90.0', spoken_languages: '[]', status: 'Released',
    title: 'Untitled', video: 'False', vote_average: '5.0', vote_count: '10',
  };
  return Buffer.from(stringify([header.map((h) => values[h] ?? base[h] ?? '')]), 'utf8');
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mq-hostile-'));
  artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-hostile-art-'));
  for (const f of ['credits.fixture.csv', 'keywords.fixture.csv', 'movies_dataset.fixture.part2.csv']) await copyFile(path.join(FIXTURES, f), path.join(dataDir, f));
  const movies = await readFile(path.join(FIXTURES, 'movies_dataset.fixture.csv'));
  const header = movies.toString('utf8').split('\n')[0].split(',');
  const badTitle = Buffer.concat([Buffer.from('Bad '), Buffer.from([0xff, 0xfe]), Buffer.from(' Bytes')]).toString('latin1');
  const rows = [
    movieRow(header, { id: '901', title: 'Huge Overview', overview: 'x'.repeat(100_000) }),
    // the title's bytes spliced in raw below (a JS string cannot hold invalid UTF-8)
    movieRow(header, { id: '902', title: '@@BAD@@' }),
    movieRow(header, { id: '903', title: 'Replacement Char', overview: 'A real \uFFFD in valid text.' }),
  ];
  const raw = Buffer.concat([movies.at(-1) === 0x0a ? movies : Buffer.concat([movies, Buffer.from('\n')]), ...rows]);
  const marker = raw.indexOf('@@BAD@@');
  await writeFile(path.join(dataDir, 'movies_dataset.fixture.csv'), Buffer.concat([raw.subarray(0, marker), Buffer.from(badTitle, 'latin1'), raw.subarray(marker + 7)]));

  const config = loadConfig({ dataDir, artifactsDir, embedder: 'catalog', logLevel: 'silent' });
  const ctx = await newRunContext(config, { log: createLogger('test', 'silent') });
  extract = await STAGE_FNS.extract(ctx);
  await STAGE_FNS.transform(ctx);
  const lines = async (f: string) => (await readFile(path.join(ctx.dir, f), 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  quarantine = await lines('quarantine.jsonl');
  catalog = await lines('catalog.jsonl');
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(artifactsDir, { recursive: true, force: true });
});

describe('hostile rows', () => {
  it('an oversized field is quarantined (oversized_field), not published', () => {
    const q = quarantine.find((r) => r.id === '901');
    expect(q?.reason).toBe('oversized_field');
    expect(q?.detail).toMatch(/column overview: 100,000 characters, over the bound of 65,536/);
    expect(catalog.some((m) => m.id === 901)).toBe(false);
  });

  it('bytes that are not UTF-8 are counted and the row quarantined (invalid_utf8), not published changed', () => {
    const q = quarantine.find((r) => r.id === '902');
    expect(q?.reason).toBe('invalid_utf8');
    expect(q?.detail).toMatch(/column title/);
    expect(catalog.some((m) => m.id === 902)).toBe(false);
    expect(extract.counts?.movies_invalid_utf8_sequences).toBe(2); // 0xff and 0xfe, each invalid on its own
    expect(extract.quarantine?.invalid_utf8).toBe(1);
    expect(extract.quarantine?.oversized_field).toBe(1);
  });

  it('a real U+FFFD in valid text is kept as published', () => {
    expect(catalog.find((m) => m.id === 903)?.overview).toBe('A real \uFFFD in valid text.');
  });
});

// The synthetic data generator: deterministic for a seed, N movies, planned dirt only, readable
// like the real files. Small N so it runs in seconds.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_TMDB_DIR } from '../../pipeline/config.js';
import { parsePyLiteral } from '../../pipeline/sources/pyliteral.js';
import { generateSynth, type SynthSummary } from '../../pipeline/synth/generate.js';

const N = 300;
const SEED = 7;
const hasShared = existsSync(path.join(SHARED_TMDB_DIR, 'movies_dataset.partial.csv.gz'));

let root: string;
let a: string;
let b: string;
let other: string;
let summary: SynthSummary;

const gz = (file: string) => gunzipSync(readFileSync(file)).toString('utf8');
const rowsOf = (file: string): string[][] => parse(gz(file), { relax_column_count: true });
const realHeader = (file: string) => gz(path.join(SHARED_TMDB_DIR, file)).split('\n', 1)[0].split(',');

describe.skipIf(!hasShared)('synthetic TMDB data', () => {
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'marquee-synth-test-'));
    a = path.join(root, 'a');
    b = path.join(root, 'b');
    other = path.join(root, 'other');
    summary = await generateSynth({ movies: N, outDir: a, seed: SEED });
    await generateSynth({ movies: N, outDir: b, seed: SEED });
    await generateSynth({ movies: N, outDir: other, seed: SEED + 1, personVariants: 3 });
  }, 120_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('is byte-identical for the same seed, and differs for another', async () => {
    const names = (await readdir(a)).sort();
    expect(names).toEqual((await readdir(b)).sort());
    for (const f of names) expect((await readFile(path.join(b, f))).equals(await readFile(path.join(a, f))), f).toBe(true);
    const moviesA = await readFile(path.join(a, 'movies_dataset.synth.csv.gz'));
    expect(moviesA.equals(await readFile(path.join(other, 'movies_dataset.synth.csv.gz')))).toBe(false);
  });

  it('labels itself synthetic: file names, SYNTHETIC.md with seed and N, synth.json', async () => {
    const names = await readdir(a);
    const data = names.filter((f) => f.endsWith('.csv.gz'));
    expect(data.sort()).toEqual(['credits.synth.csv.gz', 'keywords.synth.csv.gz', 'movies_dataset.synth.csv.gz']);
    const md = await readFile(path.join(a, 'SYNTHETIC.md'), 'utf8');
    expect(md).toMatch(/^# SYNTHETIC DATA/);
    expect(md).toContain(`seed: **${SEED}**`);
    expect(md).toContain(`movies (N): **${N}**`);
    const json = JSON.parse(await readFile(path.join(a, 'synth.json'), 'utf8'));
    expect(json).toMatchObject({ synthetic: true, seed: SEED, movies: N, generator: 'marquee-synth' });
  });

  it('writes the real headers and N movies with unique ids, except the planned dirt', () => {
    const [header, ...recs] = rowsOf(path.join(a, 'movies_dataset.synth.csv.gz'));
    expect(header).toEqual(realHeader('movies_dataset.partial.csv.gz'));
    const width = header.length;
    const idAt = header.indexOf('id');
    const full = recs.filter((r) => r.length === width);
    // A broken record is a stub (9 fields + overview head) followed by a tail shifted 9 columns left.
    const stubs = recs.filter((r) => r.length === header.indexOf('overview') + 1);
    const tails = recs.filter((r) => r.length === width - header.indexOf('overview'));
    expect(full.length + stubs.length + tails.length).toBe(recs.length);
    expect(stubs.length).toBeGreaterThanOrEqual(1);
    expect(tails.length).toBe(stubs.length);
    for (const t of tails) expect(t[idAt]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(stubs.map((s) => Number(s[idAt])).sort()).toEqual([...summary.dirt.shiftedIds].sort());

    const ids = [...full, ...stubs].map((r) => r[idAt]);
    for (const id of ids) expect(id).toMatch(/^\d+$/);
    const distinct = new Set(ids);
    expect(distinct.size).toBe(N);
    const extra = ids.length - distinct.size;
    expect(extra).toBeGreaterThanOrEqual(1);
    expect(extra).toBe(summary.dirt.duplicateMovieIds.length);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const repeated = [...counts].filter(([, c]) => c > 1).map(([id]) => Number(id));
    expect(repeated.sort()).toEqual([...new Set(summary.dirt.duplicateMovieIds)].sort());

    const dateAt = header.indexOf('release_date');
    const noDate = new Set(full.filter((r) => r[dateAt] === '').map((r) => Number(r[idAt])));
    expect(noDate.size).toBeGreaterThanOrEqual(1);
    expect([...noDate].sort()).toEqual([...summary.dirt.missingReleaseDateIds].sort());
    for (const r of full) if (r[dateAt] !== '') expect(r[dateAt]).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Titles are varied, and some synthetic collections have several members.
    const titles = new Set(full.map((r) => r[header.indexOf('title')]));
    expect(titles.size).toBeGreaterThan(0.8 * N);
    const members = new Map<string, number>();
    for (const r of full) {
      const c = r[header.indexOf('belongs_to_collection')];
      if (c) members.set(c, (members.get(c) ?? 0) + 1);
    }
    expect([...members.values()].some((n) => n >= 2)).toBe(true);
    for (const r of full) {
      for (const c of ['belongs_to_collection', 'genres', 'production_companies', 'spoken_languages']) {
        const text = r[header.indexOf(c)];
        if (text) expect(() => parsePyLiteral(text)).not.toThrow();
      }
    }
  });

  it('writes credits for every movie, near the size target, with parseable literals', () => {
    const movieIds = new Set(
      rowsOf(path.join(a, 'movies_dataset.synth.csv.gz'))
        .slice(1)
        .map((r) => r[5])
        .filter((id) => /^\d+$/.test(id)),
    );
    const text = gz(path.join(a, 'credits.synth.csv.gz'));
    const [header, ...recs] = parse(text, {}) as string[][];
    expect(header).toEqual(realHeader('credits.partial.csv.gz'));
    const ids = recs.map((r) => r[header.indexOf('id')]);
    expect(new Set(ids)).toEqual(movieIds);
    expect(ids.length - movieIds.size).toBe(summary.dirt.duplicateCreditIds.length);
    // The real credits.csv: 189,917,659 bytes for 45,466 movies.
    const target = (N * 189_917_659) / 45_466;
    expect(Math.abs(Buffer.byteLength(text) - target) / target).toBeLessThan(0.03);
    for (const r of recs) {
      expect(Array.isArray(parsePyLiteral(r[header.indexOf('cast')]))).toBe(true);
      expect(Array.isArray(parsePyLiteral(r[header.indexOf('crew')]))).toBe(true);
    }
  });

  it('writes keywords for every movie; the duplicate rows are exact repeats', () => {
    const [header, ...recs] = rowsOf(path.join(a, 'keywords.synth.csv.gz'));
    expect(header).toEqual(realHeader('keywords.csv.gz'));
    const byId = new Map<string, string>();
    let repeats = 0;
    for (const [id, kw] of recs) {
      if (byId.has(id)) {
        expect(kw).toBe(byId.get(id));
        repeats++;
      } else byId.set(id, kw);
      expect(Array.isArray(parsePyLiteral(kw))).toBe(true);
    }
    expect(byId.size).toBe(N);
    expect(repeats).toBeGreaterThanOrEqual(1);
    expect(repeats).toBe(summary.dirt.duplicateKeywordRows);
  });

  it('varies people consistently: one name per person id, new people beside the real ones', () => {
    const [header, ...recs] = rowsOf(path.join(other, 'credits.synth.csv.gz'));
    const nameOf = new Map<number, string>();
    let entries = 0;
    let synthetic = 0;
    for (const r of recs) {
      for (const c of ['cast', 'crew']) {
        for (const p of parsePyLiteral(r[header.indexOf(c)]) as { id: number; name: string }[]) {
          entries++;
          if (p.id >= 10_000_000) synthetic++;
          const known = nameOf.get(p.id);
          if (known !== undefined) expect(p.name).toBe(known);
          nameOf.set(p.id, p.name);
        }
      }
    }
    // With 3 variants, about two thirds of the entries are new people.
    expect(synthetic / entries).toBeGreaterThan(0.5);
    expect(synthetic / entries).toBeLessThan(0.8);
    const realIds = [...nameOf.keys()].filter((id) => id < 10_000_000);
    expect(realIds.length).toBeGreaterThan(0);
  });
});

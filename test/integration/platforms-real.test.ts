// PlatformService on the real shared catalogs (../shared/data/platforms), through a real grpc-js
// client. Every expectation is computed here from the raw rows with this file's own reading of the
// rules (csv-parse on the gunzipped files), not copied from the pipeline's output.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, SHARED_TMDB_DIR } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';
import { serviceClient, type MarqueeClient } from '../../service/client.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { realArtifacts } from '../helpers/real-artifacts.js';
import { rpcError } from '../helpers/rpc.js';

const DIR = path.join(path.dirname(SHARED_TMDB_DIR), 'platforms');
const FILES = { amazon: 'amazon_prime_titles.csv.gz', disney: 'disney_plus_titles.csv.gz', hulu: 'hulu_titles.csv.gz', netflix: 'netflix_titles.csv.gz' } as const;
type P = keyof typeof FILES;

interface Raw {
  id: string;
  platform: P;
  type: string;
  title: string;
  year: number;
  minutes: number | null;
  seasons: number | null;
  cast: string[];
  directors: string[];
}

const key = (s: string) => s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();

function readRaw(): Raw[] {
  const out: Raw[] = [];
  for (const [p, f] of Object.entries(FILES) as [P, string][]) {
    const rows = parse(gunzipSync(readFileSync(path.join(DIR, f))), { columns: true, relax_quotes: true }) as Record<string, string>[];
    for (const r of rows) {
      // a duration in the rating column counts when the duration column is empty
      const d = r.duration.trim() || (/^\d+ (min|Seasons?)$/.test(r.rating.trim()) ? r.rating.trim() : '');
      const m = /^(\d+) (min|Seasons?)$/.exec(d);
      const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
      out.push({
        id: p[0] + r.show_id,
        platform: p,
        type: r.type,
        title: r.title,
        year: Number(r.release_year),
        minutes: m && m[2] === 'min' ? Number(m[1]) : null,
        seasons: m && m[2] !== 'min' ? Number(m[1]) : null,
        cast: list(r.cast).filter((c) => !/^\d+$/.test(c)),
        directors: list(r.director),
      });
    }
  }
  return out;
}

function readMeans(): Map<string, number> {
  const rows = parse(gunzipSync(readFileSync(path.join(DIR, 'ratings_mean_by_title.csv.gz'))), { columns: true }) as Record<string, string>[];
  return new Map(rows.map((r) => [r.movieId, Number(r.rating)]));
}

/** Top cast members by match key (names are matched case- and accent-insensitively: "Renée" = "Renee"). */
function topActors(titles: Raw[]): { actors: string[]; n: number } {
  const counts = new Map<string, number>();
  for (const t of titles) for (const c of new Set(t.cast.map(key))) counts.set(c, (counts.get(c) ?? 0) + 1);
  const n = Math.max(0, ...counts.values());
  return { actors: [...counts].filter(([, v]) => v === n).map(([c]) => c).sort(), n };
}

let server: RunningServer;
let client: MarqueeClient;
let raw: Raw[];
let artifactsDir: string;

beforeAll(async () => {
  raw = readRaw();
  artifactsDir = await realArtifacts();
  server = await startServer({ config: loadConfig({ artifactsDir, logLevel: 'silent' }), addr: '127.0.0.1:0', log: createLogger('test', 'silent'), watch: false });
  client = serviceClient('marquee.v1.PlatformService', [], server.addr);
});

afterAll(async () => {
  client?.close();
  await server?.close(500);
});

describe('PlatformService on the real catalogs', () => {
  it('PlatformCount: titles per platform, movies and shows apart', async () => {
    expect(raw.length).toBe(22_998);
    for (const p of Object.keys(FILES) as P[]) {
      const mine = raw.filter((t) => t.platform === p);
      const r = await client.call('PlatformCount', { platform: p.toUpperCase() });
      expect(r).toMatchObject({ platform: p, total: mine.length, movies: mine.filter((t) => t.type === 'Movie').length, shows: mine.filter((t) => t.type === 'TV Show').length });
    }
  });

  it.each([
    ['netflix', 2019, 'min'],
    ['hulu', 2010, 'min'],
    ['amazon', 2018, 'season'],
    ['disney', 2021, 'min'],
  ] as const)('LongestTitle on %s in %i (%s): the largest duration and every title that has it', async (p, year, unit) => {
    const pool = raw.filter((t) => t.platform === p && t.year === year && (unit === 'min' ? t.minutes : t.seasons) !== null);
    const max = Math.max(...pool.map((t) => (unit === 'min' ? t.minutes! : t.seasons!)));
    const ties = pool.filter((t) => (unit === 'min' ? t.minutes : t.seasons) === max).map((t) => t.id).sort();
    const r = await client.call('LongestTitle', { platform: p, year, durationType: unit });
    expect(r.duration).toBe(max);
    expect(r.titles.map((t: { id: string }) => t.id).sort()).toEqual(ties);
  });

  it('LongestTitle with every filter off is the largest movie runtime of all four', async () => {
    const max = Math.max(...raw.filter((t) => t.minutes !== null).map((t) => t.minutes!));
    expect((await client.call('LongestTitle', {})).duration).toBe(max);
  });

  it('ScoreCount: titles of a platform and year scoring strictly above a threshold', async () => {
    const means = readMeans();
    for (const [p, year, threshold] of [['netflix', 2019, 3.5], ['amazon', 2020, 3.55], ['disney', 2015, 3.4]] as const) {
      const pool = raw.filter((t) => t.platform === p && t.year === year);
      const r = await client.call('ScoreCount', { platform: p, year, threshold });
      expect(r).toMatchObject({ count: pool.filter((t) => (means.get(t.id) ?? -1) > threshold).length, titlesInYear: pool.length, scoreSource: 'per-title mean file' });
    }
  });

  it('TopActor: the most frequent cast member of a platform and year, ties all named', async () => {
    for (const [p, year] of [['netflix', 2019], ['amazon', 2018], ['disney', 2020]] as const) {
      const want = topActors(raw.filter((t) => t.platform === p && t.year === year));
      const r = await client.call('TopActor', { platform: p, year });
      expect({ actors: r.actors.map(key).sort(), n: r.titles }).toEqual(want);
    }
    // Hulu's list has no cast at all: said so, not answered with nobody
    expect(raw.filter((t) => t.platform === 'hulu').every((t) => t.cast.length === 0)).toBe(true);
    const hulu = await rpcError(client.call('TopActor', { platform: 'hulu', year: 2017 }));
    expect(hulu.code).toBe(grpc.status.NOT_FOUND);
    expect(hulu.details).toMatch(/none of the \d+ titles Hulu has released in 2017 lists a cast/);
    // a tie, found in the raw rows: all tied names come back
    let tie: { p: P; year: number; actors: string[] } | null = null;
    for (const p of Object.keys(FILES) as P[]) {
      for (let year = 2021; year >= 2000 && !tie; year--) {
        const t = topActors(raw.filter((x) => x.platform === p && x.year === year));
        if (t.actors.length > 1) tie = { p, year, actors: t.actors };
      }
    }
    expect(tie).not.toBeNull();
    const r = await client.call('TopActor', { platform: tie!.p, year: tie!.year });
    expect(r.actors.map(key).sort()).toEqual(tie!.actors);
  });

  it('an unknown platform is INVALID_ARGUMENT listing the accepted names; a year with no titles is NOT_FOUND saying so', async () => {
    const bad = await rpcError(client.call('PlatformCount', { platform: 'HBO Max' }));
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.details).toMatch(/unknown platform "HBO Max": use amazon .*disney .*hulu .*netflix/);
    const empty = await rpcError(client.call('TopActor', { platform: 'disney', year: 1901 }));
    expect(empty.code).toBe(grpc.status.NOT_FOUND);
    expect(empty.details).toMatch(/Disney\+ has no titles released in 1901; its titles were released from \d{4} to \d{4}/);
    expect((await rpcError(client.call('ScoreCount', { platform: 'netflix', year: 2019, threshold: 7 }))).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('GetTitle and PersonTitles answer from the same rows', async () => {
    const t = raw.find((x) => x.id === 'ns2186')!;
    const r = await client.call('GetTitle', { id: 'NS2186' });
    expect(r.title).toMatchObject({ id: 'ns2186', title: t.title, releaseYear: t.year });
    const name = t.cast[0] ?? t.directors[0];
    const mine = raw.filter((x) => x.cast.includes(name) || x.directors.includes(name));
    const p = await client.call('PersonTitles', { name: name.toUpperCase() });
    expect(p.total).toBe(mine.length);
  });

  it('SimilarTitles: k titles, never the title itself, across platforms or on one', async () => {
    const r = await client.call('SimilarTitles', { id: 'ns2186', k: 5 });
    expect(r.similar).toHaveLength(5);
    expect(r.similar.map((s: { title: { id: string } }) => s.title.id)).not.toContain('ns2186');
    const only = await client.call('SimilarTitles', { id: 'ns2186', k: 5, onlyPlatform: 'disney' });
    expect(only.similar.every((s: { title: { platform: string } }) => s.title.platform === 'disney')).toBe(true);
  });

  it('WhereToWatch: TMDB movies with a platform title of the same normalized title and year are linked', async () => {
    const version = readFileSync(path.join(artifactsDir, 'CURRENT'), 'utf8').trim();
    const movies = readFileSync(path.join(artifactsDir, version, 'catalog.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Movie);
    const platformMovies = new Map<string, Raw[]>();
    for (const t of raw.filter((x) => x.type === 'Movie')) {
      const k = `${key(t.title)}|${t.year}`;
      platformMovies.set(k, [...(platformMovies.get(k) ?? []), t]);
    }
    const sameYear = movies.filter((m) => platformMovies.has(`${key(m.title)}|${m.releaseYear}`));
    expect(sameYear.length).toBeGreaterThan(650); // "about 690 of the 5,093"
    const sample = sameYear.filter((_, i) => i % 25 === 0);
    for (const m of sample) {
      const r = await client.call('WhereToWatch', { id: m.id });
      const want = platformMovies.get(`${key(m.title)}|${m.releaseYear}`)!.map((t) => t.id).sort();
      expect(r.options.map((o: { titleId: string }) => o.titleId).sort(), m.title).toEqual(expect.arrayContaining(want));
    }
    const none = movies.find((m) => ![-1, 0, 1].some((d) => platformMovies.has(`${key(m.title)}|${m.releaseYear + d}`)))!;
    const r = await client.call('WhereToWatch', { id: none.id });
    expect(r.options).toEqual([]);
    expect(r.note).toMatch(/no platform title is linked/);
  });
});

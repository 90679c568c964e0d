// Every CatalogService RPC on the REAL shared data (built once by test/helpers/real-artifacts),
// checked against answers this test computes on its own by scanning the cleaned catalog.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';
import { catalogClient, type MarqueeClient } from '../../service/client.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { realArtifacts } from '../helpers/real-artifacts.js';

// The test's own normalization (NFD + strip U+0300-U+036F), independent of service/normalize.
const norm = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
const ES_MONTHS = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];
const ES_DAYS = ['lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado', 'domingo'];
const EN_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** deterministic sample */
function sample<T>(xs: T[], n: number, seed = 7): T[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const copy = [...xs];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

function groupBy<T>(xs: Iterable<T>, key: (x: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (k === undefined) continue;
    m.set(k, [...(m.get(k) ?? []), x]);
  }
  return m;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const byPopularity = (a: Movie, b: Movie) => b.popularity - a.popularity || a.id - b.id;

describe('CatalogService on the real shared catalog', () => {
  let server: RunningServer;
  let c: MarqueeClient;
  let movies: Movie[];

  beforeAll(async () => {
    const artifactsDir = await realArtifacts();
    const version = readFileSync(path.join(artifactsDir, 'CURRENT'), 'utf8').trim();
    movies = readFileSync(path.join(artifactsDir, version, 'catalog.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Movie);
    server = await startServer({
      config: loadConfig({ artifactsDir, logLevel: 'silent' }),
      addr: '127.0.0.1:0',
      log: createLogger('test', 'silent'),
      watch: false,
    });
    c = catalogClient(`127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    c?.close();
    await server?.close();
  });

  it('serves the whole catalog', async () => {
    expect(movies.length).toBeGreaterThan(4000);
    const info = await c.call('CatalogInfo', {});
    expect(info.movies).toBe(movies.length);
    expect(info.moviesWithCredits).toBe(movies.filter((m) => m.hasCredits).length);
  });

  it('ReleasesByMonth: every month, by Spanish name and by number', async () => {
    for (let month = 1; month <= 12; month++) {
      const expected = movies.filter((m) => new Date(`${m.releaseDate}T00:00:00Z`).getUTCMonth() + 1 === month).sort(byPopularity);
      const r = await c.call('ReleasesByMonth', { month: ES_MONTHS[month - 1].toUpperCase(), limit: 25 });
      expect(r.count).toBe(expected.length);
      expect(r.movies.map((m: { id: number }) => m.id)).toEqual(expected.slice(0, 25).map((m) => m.id));
      expect(r.nextOffset).toBe(expected.length > 25 ? 25 : 0);
      expect((await c.call('ReleasesByMonth', { month: String(month) })).count).toBe(expected.length);
    }
  });

  it('ReleasesByWeekday: every weekday, by Spanish and English name (1 = Monday)', async () => {
    let total = 0;
    for (let day = 1; day <= 7; day++) {
      const expected = movies.filter((m) => (new Date(`${m.releaseDate}T00:00:00Z`).getUTCDay() || 7) === day).sort(byPopularity);
      total += expected.length;
      const r = await c.call('ReleasesByWeekday', { weekday: ES_DAYS[day - 1], offset: 5, limit: 7 });
      expect(r.count).toBe(expected.length);
      expect(r.weekdayNameEn).toBe(EN_DAYS[day - 1]);
      expect(r.movies.map((m: { id: number }) => m.id)).toEqual(expected.slice(5, 12).map((m) => m.id));
      expect((await c.call('ReleasesByWeekday', { weekday: EN_DAYS[day - 1] })).count).toBe(expected.length);
    }
    expect(total).toBe(movies.length);
  });

  it('TitleScore / TitleVotes / TitleRuntime on sampled unique titles', async () => {
    const byTitle = groupBy(movies, (m) => norm(m.title));
    const unique = [...byTitle.values()].filter((ms) => ms.length === 1).map((ms) => ms[0]);
    for (const m of sample(unique, 150)) {
      const title = `  ${m.title.toUpperCase()} `;
      expect(await c.call('TitleScore', { title })).toEqual({ id: m.id, title: m.title, releaseYear: m.releaseYear, popularity: m.popularity });
      const votes = await c.call('TitleVotes', { title });
      expect(votes.voteCount).toBe(m.voteCount);
      expect(votes.averageWithheld).toBe(m.voteCount < 2000);
      expect(votes.voteAverage).toBe(m.voteCount < 2000 ? 0 : m.voteAverage);
      const rt = await c.call('TitleRuntime', { title });
      expect(rt.runtimeKnown).toBe(m.runtime !== null);
      expect(rt.runtimeMinutes).toBe(m.runtime ?? 0);
      expect(rt.releaseYear).toBe(m.releaseYear);
    }
    // the well-voted ones show their average
    for (const m of movies.filter((x) => x.voteCount >= 2000 && byTitle.get(norm(x.title))!.length === 1).slice(0, 30)) {
      expect((await c.call('TitleVotes', { title: m.title })).voteAverage).toBe(m.voteAverage);
    }
  });

  it('shared titles are never resolved silently: candidates without year, one movie with year (or id)', async () => {
    const byTitle = groupBy(movies, (m) => norm(m.title));
    const shared = [...byTitle.values()].filter((ms) => ms.length > 1);
    expect(shared.length).toBeGreaterThan(10);
    for (const ms of shared) {
      const err = (await c.call('TitleVotes', { title: ms[0].title }).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      for (const m of ms.slice(0, 10)) expect(err.details).toContain(`id ${m.id})`);
      for (const m of ms) {
        const sameYear = ms.filter((x) => x.releaseYear === m.releaseYear);
        if (sameYear.length === 1) {
          expect((await c.call('TitleScore', { title: m.title, year: m.releaseYear })).id).toBe(m.id);
        }
        expect((await c.call('TitleScore', { title: m.title, id: m.id })).id).toBe(m.id);
      }
    }
  });

  it('Actor: every credited actor with 3+ films and a sample of the rest (films they directed excluded)', async () => {
    const credited = movies.filter((m) => m.hasCredits);
    const films = new Map<string, { name: string; counted: Movie[]; excluded: number }>();
    for (const m of credited) {
      const directors = new Set(m.directors.map(norm));
      for (const a of new Set(m.cast.map(norm))) {
        const name = m.cast.find((x) => norm(x) === a)!;
        const e = films.get(a) ?? { name, counted: [], excluded: 0 };
        if (directors.has(a)) e.excluded++;
        else e.counted.push(m);
        films.set(a, e);
      }
    }
    const busy = [...films.values()].filter((e) => e.counted.length >= 3);
    expect(busy.length).toBeGreaterThan(5);
    const some = sample([...films.values()], 150);
    for (const e of [...busy, ...some]) {
      const r = await c.call('Actor', { name: e.name.toLowerCase() });
      expect(r.filmCount).toBe(e.counted.length);
      expect(r.directedFilmsExcluded).toBe(e.excluded);
      const total = sum(e.counted.map((m) => m.return));
      expect(r.totalReturn).toBeCloseTo(total, 6);
      expect(r.averageReturn).toBeCloseTo(e.counted.length ? total / e.counted.length : 0, 6);
      expect(r.filmsWithKnownReturn).toBe(e.counted.filter((m) => m.return > 0).length);
    }
    const actorsWhoDirected = [...films.values()].filter((e) => e.excluded > 0);
    for (const e of actorsWhoDirected) {
      expect((await c.call('Actor', { name: e.name })).directedFilmsExcluded).toBe(e.excluded);
    }
  });

  it('Director: every director, films oldest first with date, return, budget, revenue', async () => {
    const byDirector = new Map<string, Movie[]>();
    for (const m of movies) for (const d of new Set(m.directors.map(norm))) byDirector.set(d, [...(byDirector.get(d) ?? []), m]);
    expect(byDirector.size).toBeGreaterThan(100);
    for (const [key, ms] of byDirector) {
      const name = ms[0].directors.find((d) => norm(d) === key)!;
      const r = await c.call('Director', { name });
      const expected = [...ms].sort((a, b) => a.releaseDate.localeCompare(b.releaseDate) || a.id - b.id);
      expect(r.filmCount).toBe(ms.length);
      expect(r.totalReturn).toBeCloseTo(sum(ms.map((m) => m.return)), 6);
      expect(r.films).toEqual(
        expected.map((m) => ({ id: m.id, title: m.title, releaseDate: m.releaseDate, returnRatio: m.return, budget: m.budget, revenue: m.revenue })),
      );
    }
  });

  it('MoviesByLanguage: every original language by code; common ones by Spanish and English name', async () => {
    const counts = groupBy(movies, (m) => m.originalLanguage || undefined);
    for (const [code, ms] of counts) {
      expect((await c.call('MoviesByLanguage', { language: code.toUpperCase() })).count, code).toBe(ms.length);
    }
    const named: [string, string][] = [['inglés', 'en'], ['English', 'en'], ['francés', 'fr'], ['French', 'fr'], ['italiano', 'it'], ['japonés', 'ja'], ['alemán', 'de'], ['español', 'es']];
    for (const [language, code] of named) {
      const r = await c.call('MoviesByLanguage', { language });
      expect(r.code).toBe(code);
      expect(r.count).toBe(counts.get(code)?.length ?? 0);
    }
  });

  it('MoviesByCountry: every production country by code and by the catalog name; names in Spanish', async () => {
    const byCode = new Map<string, Set<number>>();
    const names = new Map<string, string>();
    for (const m of movies) {
      for (const pc of m.productionCountries) {
        byCode.set(pc.code, (byCode.get(pc.code) ?? new Set()).add(m.id));
        names.set(pc.code, pc.name);
      }
    }
    for (const [code, ids] of byCode) {
      expect((await c.call('MoviesByCountry', { country: code.toLowerCase() })).count, code).toBe(ids.size);
      expect((await c.call('MoviesByCountry', { country: names.get(code)! })).code, names.get(code)).toBe(code);
    }
    const named: [string, string][] = [['Estados Unidos', 'US'], ['Francia', 'FR'], ['Reino Unido', 'GB'], ['Alemania', 'DE'], ['Japón', 'JP'], ['España', 'ES'], ['Italia', 'IT']];
    for (const [country, code] of named) {
      expect(await c.call('MoviesByCountry', { country })).toMatchObject({ code, count: byCode.get(code)?.size ?? 0 });
    }
  });

  it('Franchise: every collection: count, total and average revenue', async () => {
    const byId = groupBy(movies, (m) => (m.collection ? String(m.collection.id) : undefined));
    const nameCount = groupBy([...byId.values()], (ms) => norm(ms[0].collection!.name));
    expect(byId.size).toBeGreaterThan(50);
    for (const ms of byId.values()) {
      const name = ms[0].collection!.name;
      if (nameCount.get(norm(name))!.length > 1) continue; // two collections share the name
      const r = await c.call('Franchise', { name });
      const total = sum(ms.map((m) => m.revenue));
      expect(r.count).toBe(ms.length);
      expect(r.totalRevenue).toBe(total);
      expect(r.averageRevenue).toBeCloseTo(total / ms.length, 6);
    }
  });

  it('ProductionCompany: every company: count and total revenue', async () => {
    const byCompany = new Map<string, Set<Movie>>();
    for (const m of movies) for (const pc of m.productionCompanies) byCompany.set(norm(pc), (byCompany.get(norm(pc)) ?? new Set()).add(m));
    expect(byCompany.size).toBeGreaterThan(500);
    const all = [...byCompany.entries()];
    for (let i = 0; i < all.length; i += 200) {
      await Promise.all(
        all.slice(i, i + 200).map(async ([key, set]) => {
          const ms = [...set];
          const name = ms[0].productionCompanies.find((p) => norm(p) === key)!;
          const r = await c.call('ProductionCompany', { name });
          expect(r.count, name).toBe(ms.length);
          expect(r.totalRevenue, name).toBe(sum(ms.map((m) => m.revenue)));
        }),
      );
    }
  });

  it('GetMovie returns the cleaned record', async () => {
    for (const m of sample(movies, 40, 3)) {
      const { movie } = await c.call('GetMovie', { id: m.id });
      expect(movie).toMatchObject({
        id: m.id,
        title: m.title,
        releaseDate: m.releaseDate,
        budget: m.budget,
        revenue: m.revenue,
        returnRatio: m.return,
        genres: m.genres,
        cast: m.cast,
        directors: m.directors,
        productionCountries: m.productionCountries,
        hasCredits: m.hasCredits,
      });
    }
  });

  it('unknown names get real suggestions from the catalog', async () => {
    const m = movies.find((x) => x.title.length > 12 && /^[A-Za-z ]+$/.test(x.title) && movies.filter((y) => y.title === x.title).length === 1)!;
    const typo = m.title.slice(0, 4) + m.title.slice(5); // drop one letter
    const err = (await c.call('TitleScore', { title: typo }).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toContain(`"${m.title}"`);
  });
});

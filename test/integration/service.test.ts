// The gRPC service on the handmade fixture catalog (test/fixtures/catalog): every RPC with exact
// answers, the error contract, reflection, health, and hot swap. Real server on 127.0.0.1:0,
// real grpc-js clients loaded from the proto files.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';
import { catalogClient, type MarqueeClient } from '../../service/client.js';
import { suggestionsOf } from '../../service/errors.js';
import { MODULES } from '../../service/modules.js';
import { startServer, type RunningServer } from '../../service/server.js';
import type { CatalogExtension } from '../../service/state.js';
import { rpcError } from '../helpers/rpc.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'catalog');
const V1 = '20240101T000000000Z-fixture1';
const V2 = '20240102T000000000Z-fixture2';
const log = createLogger('test', 'silent');

async function fixtureCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mq-svc-'));
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

async function start(artifactsDir: string, extra: Partial<Parameters<typeof startServer>[0]> = {}): Promise<RunningServer> {
  return startServer({ config: loadConfig({ artifactsDir, logLevel: 'silent' }), addr: '127.0.0.1:0', log, ...extra });
}

/** A second version: Toy Story gets more votes, a new movie appears. */
async function publishV2(artifactsDir: string): Promise<void> {
  const src = path.join(artifactsDir, V1);
  const dst = path.join(artifactsDir, V2);
  await cp(src, dst, { recursive: true });
  const movies = (await readFile(path.join(src, 'catalog.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Movie);
  const toy = movies.find((m) => m.id === 862)!;
  toy.voteCount = 9999;
  movies.push({ ...toy, id: 777001, title: 'Brand New Movie', collection: null, cast: [], directors: [] });
  await writeFile(path.join(dst, 'catalog.jsonl'), movies.map((m) => JSON.stringify(m)).join('\n') + '\n');
  const manifest = JSON.parse(await readFile(path.join(dst, 'manifest.json'), 'utf8'));
  await writeFile(path.join(dst, 'manifest.json'), JSON.stringify({ ...manifest, version: V2 }));
  await writeFile(path.join(artifactsDir, 'CURRENT.tmp'), V2 + '\n');
  const { rename } = await import('node:fs/promises');
  await rename(path.join(artifactsDir, 'CURRENT.tmp'), path.join(artifactsDir, 'CURRENT'));
}

function healthClient(port: number) {
  const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const check = (service: string) =>
    new Promise<string>((resolve, reject) =>
      client.Check({ service }, (err: grpc.ServiceError | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))),
    );
  return { check, close: () => client.close() };
}

describe('CatalogService on the fixture catalog', () => {
  let server: RunningServer;
  let c: MarqueeClient;

  beforeAll(async () => {
    server = await start(FIXTURE, { watch: false });
    c = catalogClient(`127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    c?.close();
    await server?.close();
  });

  it('ReleasesByMonth: count, names and a page ordered by popularity, in Spanish, English or numbers', async () => {
    const byName = await c.call('ReleasesByMonth', { month: '  OCTUBRE ' });
    expect(byName).toMatchObject({ month: 10, monthNameEn: 'October', monthNameEs: 'octubre', count: 4, nextOffset: 0 });
    expect(byName.movies.map((m: { id: number }) => m.id)).toEqual([862, 863, 1417, 3]);
    for (const month of ['10', 'october', 'Oct', 'oct']) {
      expect((await c.call('ReleasesByMonth', { month })).count).toBe(4);
    }
    const page1 = await c.call('ReleasesByMonth', { month: '10', limit: 3 });
    expect(page1.movies.map((m: { id: number }) => m.id)).toEqual([862, 863, 1417]);
    expect(page1.nextOffset).toBe(3);
    const page2 = await c.call('ReleasesByMonth', { month: '10', limit: 3, offset: 3 });
    expect(page2.movies).toEqual([{ id: 3, title: 'Ariel', releaseDate: '1988-10-21', releaseYear: 1988 }]);
    expect(page2.nextOffset).toBe(0);
    expect((await c.call('ReleasesByMonth', { month: 'diciembre' })).count).toBe(4);
    expect((await c.call('ReleasesByMonth', { month: 'February' })).count).toBe(0);
  });

  it('ReleasesByWeekday: ISO numbering (1 = Monday) and names in both languages', async () => {
    const monday = await c.call('ReleasesByWeekday', { weekday: 'lunes' });
    expect(monday).toMatchObject({ weekday: 1, weekdayNameEn: 'Monday', weekdayNameEs: 'lunes', count: 2 });
    expect(monday.movies.map((m: { id: number }) => m.id)).toEqual([862, 11216]);
    expect((await c.call('ReleasesByWeekday', { weekday: '1' })).count).toBe(2);
    expect((await c.call('ReleasesByWeekday', { weekday: 'MIÉRCOLES' })).count).toBe(
      (await c.call('ReleasesByWeekday', { weekday: 'wednesday' })).count,
    );
    const sunday = await c.call('ReleasesByWeekday', { weekday: '7' });
    expect(sunday.weekdayNameEn).toBe('Sunday');
    expect((await c.call('ReleasesByWeekday', { weekday: 'domingo' })).count).toBe(sunday.count);
  });

  it('TitleScore / TitleRuntime: case-, accent- and space-insensitive titles', async () => {
    expect(await c.call('TitleScore', { title: '  AMELIE ' })).toEqual({ id: 194, title: 'Amélie', releaseYear: 2001, popularity: 12 });
    expect(await c.call('TitleRuntime', { title: 'toy story' })).toEqual({
      id: 862,
      title: 'Toy Story',
      runtimeMinutes: 81,
      releaseYear: 1995,
      runtimeKnown: true,
    });
    expect(await c.call('TitleRuntime', { title: 'hamlet', id: 10550 })).toEqual({
      id: 10550,
      title: 'Hamlet',
      runtimeMinutes: 0,
      releaseYear: 1996,
      runtimeKnown: false,
    });
    expect((await c.call('TitleScore', { title: 'Solaris', year: 1972 })).id).toBe(11216);
    expect((await c.call('TitleScore', { id: 8973 })).title).toBe('Solaris');
  });

  it('TitleVotes: the average is withheld under 2000 votes, and the answer says why', async () => {
    expect(await c.call('TitleVotes', { title: 'Toy Story' })).toEqual({
      id: 862,
      title: 'Toy Story',
      releaseYear: 1995,
      voteCount: 5415,
      voteAverage: 7.7,
      averageWithheld: false,
      minVotes: 2000,
      note: '',
    });
    const few = await c.call('TitleVotes', { title: 'Hamlet', year: 1948 });
    expect(few).toMatchObject({ id: 2000, voteCount: 95, voteAverage: 0, averageWithheld: true, minVotes: 2000 });
    expect(few.note).toMatch(/95 votes is under the 2000/);
    // exactly at the threshold boundary: 2049 votes -> shown
    expect(await c.call('TitleVotes', { title: "howl's moving castle" })).toMatchObject({ voteCount: 2049, averageWithheld: false, voteAverage: 8.2 });
  });

  it('Actor: films they directed do not count', async () => {
    const clint = await c.call('Actor', { name: 'clint eastwood' });
    expect(clint.name).toBe('Clint Eastwood');
    expect(clint.filmCount).toBe(3);
    expect(clint.directedFilmsExcluded).toBe(3);
    expect(clint.filmsWithKnownReturn).toBe(3);
    expect(clint.totalReturn).toBeCloseTo(5 + 72.5 + 187343874 / 40000000, 9);
    expect(clint.averageReturn).toBeCloseTo((5 + 72.5 + 187343874 / 40000000) / 3, 9);
    expect(clint.catalogMoviesWithCredits).toBe(19);
    const olivier = await c.call('Actor', { name: 'Laurence Olivier' });
    expect(olivier).toMatchObject({ filmCount: 0, totalReturn: 0, averageReturn: 0, directedFilmsExcluded: 1 });
    const hanks = await c.call('Actor', { name: 'TOM HANKS' });
    expect(hanks.filmCount).toBe(3);
    expect(hanks.totalReturn).toBeCloseTo(373554033 / 30e6 + 497366869 / 90e6 + 1066969703 / 200e6, 9);
    expect((await c.call('Actor', { name: 'sergi lopez' })).name).toBe('Sergi López');
  });

  it('Director: total return and every film with date, return, budget and revenue', async () => {
    const d = await c.call('Director', { name: 'Clint Eastwood' });
    expect(d.name).toBe('Clint Eastwood');
    expect(d.filmCount).toBe(3);
    expect(d.films).toEqual([
      { id: 33, title: 'Unforgiven', releaseDate: '1992-08-07', returnRatio: 159157447 / 14000000, budget: 14000000, revenue: 159157447 },
      { id: 9740, title: 'Million Dollar Baby', releaseDate: '2004-12-15', returnRatio: 216763646 / 30000000, budget: 30000000, revenue: 216763646 },
      { id: 3134, title: 'Gran Torino', releaseDate: '2008-12-09', returnRatio: 269958228 / 33000000, budget: 33000000, revenue: 269958228 },
    ]);
    expect(d.totalReturn).toBeCloseTo(159157447 / 14000000 + 216763646 / 30000000 + 269958228 / 33000000, 9);
    const almodovar = await c.call('Director', { name: 'pedro almodovar' });
    expect(almodovar).toMatchObject({ name: 'Pedro Almodóvar', filmCount: 1 });
    // a film without budget counts with return 0
    const olivier = await c.call('Director', { name: 'laurence olivier' });
    expect(olivier.films).toEqual([{ id: 2000, title: 'Hamlet', releaseDate: '1948-05-04', returnRatio: 0, budget: 0, revenue: 0 }]);
    expect(olivier.totalReturn).toBe(0);
  });

  it('MoviesByLanguage: original language by code or name in Spanish, English or native', async () => {
    const expected = { code: 'ja', nameEn: 'Japanese', nameEs: 'japonés', count: 2 };
    for (const language of ['ja', 'JA', 'japonés', 'japones', 'Japanese', '日本語']) {
      expect(await c.call('MoviesByLanguage', { language })).toEqual(expected);
    }
    expect((await c.call('MoviesByLanguage', { language: 'inglés' })).count).toBe(11);
    expect((await c.call('MoviesByLanguage', { language: 'español' })).count).toBe(2);
    expect((await c.call('MoviesByLanguage', { language: 'French' })).count).toBe(1);
    // a real language with no movie in this catalog answers 0, not NOT_FOUND
    expect(await c.call('MoviesByLanguage', { language: 'swahili' })).toEqual({ code: 'sw', nameEn: 'Swahili', nameEs: 'suajili', count: 0 });
  });

  it('MoviesByCountry: production countries by code, Intl names in both languages, or the catalog name', async () => {
    for (const country of ['US', 'us', 'Estados Unidos', 'United States', 'united states of america']) {
      expect(await c.call('MoviesByCountry', { country })).toEqual({
        code: 'US',
        nameEn: 'United States of America',
        nameEs: 'Estados Unidos',
        count: 9,
      });
    }
    expect((await c.call('MoviesByCountry', { country: 'España' })).count).toBe(4);
    expect((await c.call('MoviesByCountry', { country: 'reino unido' })).count).toBe(3);
    expect(await c.call('MoviesByCountry', { country: 'Soviet Union' })).toMatchObject({ code: 'SU', count: 1 });
    expect(await c.call('MoviesByCountry', { country: 'Rusia' })).toMatchObject({ code: 'RU', count: 0 });
  });

  it('Franchise: count, total and average revenue; "Collection" may be left out', async () => {
    const total = 373554033 + 497366869 + 1066969703;
    const toy = await c.call('Franchise', { name: 'toy story' });
    expect(toy).toMatchObject({ name: 'Toy Story Collection', collectionId: 10194, count: 3, totalRevenue: total, averageRevenue: total / 3 });
    expect(toy.movies.map((m: { id: number }) => m.id)).toEqual([862, 863, 10193]);
    expect((await c.call('Franchise', { name: 'Toy Story Collection' })).count).toBe(3);
  });

  it('ProductionCompany: count and total revenue', async () => {
    expect(await c.call('ProductionCompany', { name: 'warner bros.' })).toEqual({
      name: 'Warner Bros.',
      count: 3,
      totalRevenue: 159157447 + 269958228 + 216763646,
      averageRevenue: (159157447 + 269958228 + 216763646) / 3,
    });
  });

  it('GetMovie and CatalogInfo', async () => {
    const { movie } = await c.call('GetMovie', { id: 194 });
    expect(movie).toMatchObject({
      id: 194,
      title: 'Amélie',
      releaseDate: '2001-04-25',
      originalLanguage: 'fr',
      productionCountries: [{ code: 'FR', name: 'France' }],
      directors: ['Jean-Pierre Jeunet'],
      runtimeMinutes: 122,
      runtimeKnown: true,
      hasCredits: true,
    });
    expect(movie.returnRatio).toBeCloseTo(17.3921954, 9);
    expect(await c.call('CatalogInfo', {})).toMatchObject({ version: V1, movies: 20, moviesWithCredits: 19 });
  });

  describe('errors', () => {
    it('ambiguous titles name every candidate with year and id (INVALID_ARGUMENT)', async () => {
      const err = await rpcError(c.call('TitleVotes', { title: 'hamlet' }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain('3 movies are titled "Hamlet"');
      for (const cand of ['Hamlet (1948, id 2000)', 'Hamlet (1996, id 10550)', 'Hamlet (1996, id 10549)']) {
        expect(err.details).toContain(cand);
      }
      expect(suggestionsOf(err)).toEqual(['Hamlet (1948, id 2000)', 'Hamlet (1996, id 10550)', 'Hamlet (1996, id 10549)']);
      // the year narrows it, but two remain in 1996: still ambiguous, ids tell them apart
      const err96 = await rpcError(c.call('TitleScore', { title: 'Hamlet', year: 1996 }));
      expect(err96.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err96.details).toMatch(/2 movies are titled "Hamlet" in 1996; pass id/);
      expect((await c.call('TitleScore', { title: 'Hamlet', id: 10549 })).popularity).toBe(6.1);
    });

    it('unknown titles and names are NOT_FOUND with the closest known names', async () => {
      const t = await rpcError(c.call('TitleRuntime', { title: 'Toy Stroy' }));
      expect(t.code).toBe(grpc.status.NOT_FOUND);
      expect(t.details).toMatch(/^no movie titled "Toy Stroy"\. Did you mean: "Toy Story"/);
      expect(suggestionsOf(t)[0]).toBe('Toy Story');
      // grpcurl reads the same suggestions from google.rpc.Status details (ErrorInfo)
      const details = t.metadata.get('grpc-status-details-bin')[0] as Buffer;
      expect(details.toString('latin1')).toContain('type.googleapis.com/google.rpc.ErrorInfo');
      expect(details.toString('latin1')).toContain('TITLE_NOT_FOUND');

      const a = await rpcError(c.call('Actor', { name: 'Clint Eastwod' }));
      expect(a.code).toBe(grpc.status.NOT_FOUND);
      expect(suggestionsOf(a)[0]).toBe('Clint Eastwood');
      const d = await rpcError(c.call('Director', { name: 'Hayao Miyasaki' }));
      expect(suggestionsOf(d)[0]).toBe('Hayao Miyazaki');
      const f = await rpcError(c.call('Franchise', { name: 'Toy Stories' }));
      expect(f.code).toBe(grpc.status.NOT_FOUND);
      expect(suggestionsOf(f)).toContain('Toy Story Collection');
      const p = await rpcError(c.call('ProductionCompany', { name: 'Studio Gibli' }));
      expect(suggestionsOf(p)[0]).toBe('Studio Ghibli');
      const l = await rpcError(c.call('MoviesByLanguage', { language: 'japanesse' }));
      expect(l.code).toBe(grpc.status.NOT_FOUND);
      expect(suggestionsOf(l)).toContain('Japanese');
      const k = await rpcError(c.call('MoviesByCountry', { country: 'Frnace' }));
      expect(suggestionsOf(k)).toContain('France');
      const y = await rpcError(c.call('TitleVotes', { title: 'Amélie', year: 1999 }));
      expect(y.code).toBe(grpc.status.NOT_FOUND);
      expect(y.details).toContain('no movie titled "Amélie" was released in 1999');
      expect(y.details).toContain('Amélie (2001, id 194)');
      const id = await rpcError(c.call('GetMovie', { id: 123456 }));
      expect(id.code).toBe(grpc.status.NOT_FOUND);
      expect(id.details).toBe('no movie has id 123456');
    });

    it('bad arguments are INVALID_ARGUMENT saying what is accepted', async () => {
      const cases: [string, object, RegExp][] = [
        ['TitleVotes', { title: '' }, /title is required \(or id\)/],
        ['TitleVotes', { title: '   ' }, /title is required/],
        ['TitleVotes', { title: 'x'.repeat(201) }, /too long \(201 characters; at most 200\)/],
        ['TitleVotes', { title: 'Toy Story', year: 99999 }, /year must be a whole number from 1800 to 2200 \(or 0 for any year\)/],
        ['TitleVotes', { title: 'Toy Story', year: -1 }, /year must be/],
        ['TitleVotes', { id: -5 }, /id must be a whole number from 1/],
        ['TitleVotes', { title: 'Hamlet', id: 862 }, /id 862 is "Toy Story", not "Hamlet"/],
        ['Actor', { name: '' }, /name is required: a person's name/],
        ['Director', { name: 'y'.repeat(500) }, /name is too long \(500 characters; at most 200\)/],
        ['MoviesByLanguage', { language: '' }, /language is required: an ISO 639-1 code/],
        ['MoviesByCountry', { country: '' }, /country is required: an ISO 3166-1 alpha-2 code/],
        ['Franchise', { name: '' }, /name is required/],
        ['ProductionCompany', { name: '\t' }, /name is required/],
        ['ReleasesByMonth', { month: '' }, /month is required: a month number 1-12/],
        ['ReleasesByMonth', { month: '13' }, /month 13 is out of range: use a month number 1-12/],
        ['ReleasesByMonth', { month: '0' }, /out of range/],
        ['ReleasesByMonth', { month: 'brumaire' }, /unknown month "brumaire": use a month number 1-12, or its name/],
        ['ReleasesByMonth', { month: 'marzo', limit: 101 }, /limit must be a whole number from 1 to 100 \(or 0 for the default 10\)/],
        ['ReleasesByMonth', { month: 'marzo', offset: -1 }, /offset must be a whole number from 0/],
        ['ReleasesByWeekday', { weekday: '0' }, /weekday 0 is out of range: use a weekday number 1-7 in ISO 8601 order \(1 = Monday/],
        ['ReleasesByWeekday', { weekday: 'funday' }, /unknown weekday "funday"/],
        ['GetMovie', { id: 0 }, /id must be a whole number from 1/],
      ];
      for (const [method, req, re] of cases) {
        const err = await rpcError(c.call(method, req));
        expect(err.code, `${method} ${JSON.stringify(req)}`).toBe(grpc.status.INVALID_ARGUMENT);
        expect(err.details, `${method} ${JSON.stringify(req)}`).toMatch(re);
      }
      const typo = await rpcError(c.call('ReleasesByMonth', { month: 'setiembre' }));
      expect(suggestionsOf(typo)).toContain('septiembre');
    });

    it('undecodable request bytes are INVALID_ARGUMENT, not INTERNAL', async () => {
      const raw = (bytes: number[]) =>
        new Promise<unknown>((resolve, reject) =>
          c.client.makeUnaryRequest(
            '/marquee.v1.CatalogService/TitleVotes',
            (b: Buffer) => b,
            (b: Buffer) => b,
            Buffer.from(bytes),
            (err, res) => (err ? reject(err) : resolve(res)),
          ),
        );
      // field 2 (year, an int32) sent as a length-delimited string: the decoder runs off the end
      const e1 = await rpcError(raw([0x12, 0x03, 0x61, 0x62, 0x63]));
      expect(e1.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(e1.details).toMatch(/the request message could not be decoded/);
      // field 1 (title, a string) sent as a varint: refused, not read as a missing title
      const e2 = await rpcError(raw([0x08, 0x96, 0x01]));
      expect(e2.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(e2.details).toMatch(/field 1 \(.*title\) is declared string but was sent as a varint/);
      const e3 = await rpcError(raw([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      expect(e3.code).toBe(grpc.status.INVALID_ARGUMENT);
    });
  });

  it('health: SERVING for the server and each service once the catalog is loaded', async () => {
    const h = healthClient(server.port);
    expect(await h.check('')).toBe('SERVING');
    expect(await h.check('marquee.v1.CatalogService')).toBe('SERVING');
    h.close();
  });
});

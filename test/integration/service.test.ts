// The gRPC service on the handmade fixture catalog (test/fixtures/catalog): every RPC with exact
// answers, the error contract, reflection, health, and hot swap. Real server on 127.0.0.1:0,
// real grpc-js clients loaded from the proto files.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config';
import { createLogger } from '../../pipeline/log';
import type { Movie } from '../../pipeline/types';
import { catalogClient, type MarqueeClient } from '../../service/client';
import { suggestionsOf } from '../../service/errors';
import { MODULES } from '../../service/modules';
import { startServer, type RunningServer } from '../../service/server';
import type { CatalogExtension } from '../../service/state';
import { rpcError } from '../helpers/rpc';

const descriptor = createRequire(import.meta.url)('protobufjs/ext/descriptor') as typeof import('protobufjs/ext/descriptor');
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
      // field 1 (title, a string) sent as a varint: skipped by the decoder, so the title is missing
      const e2 = await rpcError(raw([0x08, 0x96, 0x01]));
      expect(e2.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(e2.details).toMatch(/title is required/);
      const e3 = await rpcError(raw([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
      expect(e3.code).toBe(grpc.status.INVALID_ARGUMENT);
    });
  });

  it('reflection (v1 and v1alpha) lists every service and returns descriptors a client can build stubs from', async () => {
    const require = createRequire(import.meta.url);
    const reflectionDir = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
    for (const version of ['v1', 'v1alpha']) {
      const def = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [reflectionDir], keepCase: true, oneofs: true });
      const pkg = grpc.loadPackageDefinition(def) as any;
      const client = new pkg.grpc.reflection[version].ServerReflection(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
      const ask = (req: object) =>
        new Promise<any>((resolve, reject) => {
          const stream = client.ServerReflectionInfo();
          stream.on('data', (res: unknown) => {
            resolve(res);
            stream.end();
          });
          stream.on('error', reject);
          stream.write(req);
        });
      const list = await ask({ list_services: '' });
      const names = list.list_services_response.service.map((s: { name: string }) => s.name);
      expect(names).toEqual(expect.arrayContaining(['marquee.v1.CatalogService', 'grpc.health.v1.Health']));
      const files = await ask({ file_containing_symbol: 'marquee.v1.CatalogService' });
      const protos: Buffer[] = files.file_descriptor_response.file_descriptor_proto;
      // The descriptors form a FileDescriptorSet (field 1 repeated): load it back like grpcurl does.
      const set = Buffer.concat(protos.map((p) => Buffer.concat([Buffer.from([0x0a]), varint(p.length), p])));
      const rebuilt = protoLoader.loadFileDescriptorSetFromBuffer(set);
      const svc = rebuilt['marquee.v1.CatalogService'] as protoLoader.ServiceDefinition;
      expect(Object.keys(svc)).toEqual(
        expect.arrayContaining(['ReleasesByMonth', 'TitleVotes', 'Actor', 'Director', 'MoviesByLanguage', 'GetMovie']),
      );
      expect(rebuilt['marquee.v1.MovieRef']).toBeDefined();
      // what `grpcurl describe` prints: field names as written in the proto, and the proto comments
      // (protobufjs merges the files of one package into one descriptor, e.g. marquee_v1.proto)
      const catalogFile = protos
        .map((p) => descriptor.FileDescriptorProto.decode(p) as any)
        .find((f) => f.service?.some((s: { name: string }) => s.name === 'CatalogService'));
      expect(catalogFile).toBeDefined();
      const svcIndex = catalogFile.service.findIndex((s: { name: string }) => s.name === 'CatalogService');
      const methodIndex = catalogFile.service[svcIndex].method.findIndex((m: { name: string }) => m.name === 'TitleVotes');
      const comment = (p: number[]) =>
        catalogFile.sourceCodeInfo.location.find((l: { path: number[] }) => l.path.join('.') === p.join('.'))?.leadingComments;
      expect(comment([6, svcIndex])).toMatch(/Queries over the published movie catalog/);
      expect(comment([6, svcIndex, 2, methodIndex])).toMatch(/under 2000 votes the average is withheld/);
      const votesMsg = catalogFile.messageType.findIndex((m: { name: string }) => m.name === 'TitleVotesResponse');
      const fieldIdx = catalogFile.messageType[votesMsg].field.findIndex((f: { name: string }) => f.name === 'average_withheld');
      expect(fieldIdx).toBeGreaterThanOrEqual(0);
      expect(comment([4, votesMsg, 2, fieldIdx])).toMatch(/fewer than `min_votes` votes/);
      client.close();
    }
  });

  it('health: SERVING for the server and each service once the catalog is loaded', async () => {
    const h = healthClient(server.port);
    expect(await h.check('')).toBe('SERVING');
    expect(await h.check('marquee.v1.CatalogService')).toBe('SERVING');
    h.close();
  });
});

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

describe('service lifecycle', () => {
  it('starts NOT_SERVING with nothing published, answers UNAVAILABLE, then serves once a version appears', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mq-empty-'));
    const server = await start(dir, { watch: { intervalMs: 50 } });
    const c = catalogClient(`127.0.0.1:${server.port}`);
    const h = healthClient(server.port);
    try {
      expect(await h.check('')).toBe('NOT_SERVING');
      expect(await h.check('marquee.v1.CatalogService')).toBe('NOT_SERVING');
      const err = await rpcError(c.call('TitleVotes', { title: 'Toy Story' }));
      expect(err.code).toBe(grpc.status.UNAVAILABLE);
      expect(err.details).toMatch(/no catalog version is loaded yet/);
      await cp(path.join(FIXTURE, V1), path.join(dir, V1), { recursive: true });
      await writeFile(path.join(dir, 'CURRENT'), V1 + '\n');
      await expect.poll(() => h.check(''), { timeout: 5000, interval: 50 }).toBe('SERVING');
      expect((await c.call('TitleVotes', { title: 'Toy Story' })).voteCount).toBe(5415);
    } finally {
      c.close();
      h.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('swaps to a newly published version while calls keep succeeding; health stays SERVING', async () => {
    const dir = await fixtureCopy();
    const server = await start(dir, { watch: { intervalMs: 50 } });
    const c = catalogClient(`127.0.0.1:${server.port}`);
    const h = healthClient(server.port);
    const statuses = new Set<string>();
    let calls = 0;
    let failures = 0;
    let stop = false;
    const loops = Array.from({ length: 8 }, async () => {
      while (!stop) {
        try {
          const r = await c.call('TitleVotes', { title: 'Toy Story' });
          expect([5415, 9999]).toContain(r.voteCount);
          calls++;
        } catch {
          failures++;
        }
      }
    });
    const watchHealth = (async () => {
      while (!stop) statuses.add(await h.check(''));
    })();
    try {
      await new Promise((r) => setTimeout(r, 100));
      await publishV2(dir);
      await expect.poll(async () => (await c.call('CatalogInfo', {})).version, { timeout: 5000, interval: 20 }).toBe(V2);
      await new Promise((r) => setTimeout(r, 100));
      stop = true;
      await Promise.all([...loops, watchHealth]);
      expect(failures).toBe(0);
      expect(calls).toBeGreaterThan(20);
      expect([...statuses]).toEqual(['SERVING']);
      expect((await c.call('TitleVotes', { title: 'Toy Story' })).voteCount).toBe(9999);
      expect((await c.call('TitleScore', { title: 'brand new movie' })).id).toBe(777001);
    } finally {
      stop = true;
      c.close();
      h.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('extensions are built before the swap and disposed once no call uses the old version', async () => {
    const dir = await fixtureCopy();
    const events: string[] = [];
    const ext: CatalogExtension<{ version: string; movies: number }> = {
      name: 'test-ext',
      load: async (loaded, state) => {
        await new Promise((r) => setTimeout(r, 30));
        events.push(`load ${loaded.version}`);
        return { version: loaded.version, movies: state.tables.byId.size };
      },
      dispose: (v) => {
        events.push(`dispose ${v.version}`);
      },
    };
    const modules = [...MODULES.map((m) => (m.serviceName === 'marquee.v1.CatalogService' ? { ...m, extensions: [ext] } : m))];
    const server = await start(dir, { watch: false, modules });
    try {
      const s1 = server.holder.get();
      expect(s1.ext.get('test-ext')).toEqual({ version: V1, movies: 20 });
      const lease = server.holder.acquire()!; // a call still running on V1
      await publishV2(dir);
      const s2 = await server.holder.loadCurrent();
      expect(s2!.version).toBe(V2);
      expect(s2!.ext.get('test-ext')).toEqual({ version: V2, movies: 21 });
      expect(server.holder.get()).toBe(s2);
      expect(lease.state).toBe(s1); // the old call keeps its version
      expect(events).toEqual([`load ${V1}`, `load ${V2}`]);
      lease.release();
      await new Promise((r) => setTimeout(r, 10));
      expect(events).toEqual([`load ${V1}`, `load ${V2}`, `dispose ${V1}`]);
      // loading the current version again is a no-op
      expect(await server.holder.load(V2)).toBe(s2);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
    expect(events.at(-1)).toBe(`dispose ${V2}`);
  });

  it('a version that fails to load leaves the current one serving', async () => {
    const dir = await fixtureCopy();
    const server = await start(dir, { watch: false });
    try {
      await expect(server.holder.load('20990101T000000000Z-missing')).rejects.toThrow();
      expect(server.holder.version).toBe(V1);
      expect((await catalogClient(`127.0.0.1:${server.port}`).call('CatalogInfo', {})).version).toBe(V1);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a bug in a handler is INTERNAL (logged), never UNKNOWN; caller errors keep their code', async () => {
    const dir = await fixtureCopy();
    const buggy = {
      ...MODULES[0],
      implementation: (ctx: Parameters<(typeof MODULES)[0]['implementation']>[0]) => ({
        ...MODULES[0].implementation(ctx),
        CatalogInfo: () => {
          throw new TypeError('boom');
        },
        GetMovie: async () => {
          throw new RangeError('async boom');
        },
      }),
    };
    const server = await start(dir, { watch: false, modules: [buggy] });
    const c = catalogClient(`127.0.0.1:${server.port}`);
    try {
      for (const method of ['CatalogInfo', 'GetMovie']) {
        const err = await rpcError(c.call(method, { id: 1 }));
        expect(err.code).toBe(grpc.status.INTERNAL);
        expect(err.details).toBe('internal error; it has been logged');
      }
      expect((await rpcError(c.call('TitleVotes', { title: '' }))).code).toBe(grpc.status.INVALID_ARGUMENT);
    } finally {
      c.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('graceful close lets an in-flight call finish', async () => {
    const dir = await fixtureCopy();
    const slow = {
      ...MODULES[0],
      implementation: (ctx: Parameters<(typeof MODULES)[0]['implementation']>[0]) => {
        const impl = MODULES[0].implementation(ctx);
        return {
          ...impl,
          CatalogInfo: (call: any, cb: any) => setTimeout(() => (impl.CatalogInfo as any)(call, cb), 300),
        };
      },
    };
    const server = await start(dir, { watch: false, modules: [slow] });
    const c = catalogClient(`127.0.0.1:${server.port}`);
    try {
      const inflight = c.call('CatalogInfo', {});
      await new Promise((r) => setTimeout(r, 50));
      const closed = server.close(5000);
      expect((await inflight).version).toBe(V1);
      await closed;
      const after = await rpcError(c.call('CatalogInfo', {}, { deadlineMs: 1000 }));
      expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]).toContain(after.code);
    } finally {
      c.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

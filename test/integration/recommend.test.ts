// RecommendService over a real gRPC server and client, on a version built by the real embed and
// index stages (catalog embedder) from the handmade embedding fixture.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { loadConfig } from '../../pipeline/config.js';
import { readEmbeddings } from '../../pipeline/embed/matrix.js';
import { RerankFeatures } from '../../pipeline/index/rerank.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';
import { serviceClient, type MarqueeClient } from '../../service/client.js';
import { suggestionsOf } from '../../service/errors.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { buildVersion, EMBED_FIXTURE, type BuiltVersion } from '../fixtures/embed/build-version.js';
import { rpcError } from '../helpers/rpc.js';

interface Scored {
  movie: { id: number; title: string; releaseYear: number };
  score: number;
  genres: string[];
}

let artifactsDir: string;
let built: BuiltVersion;
let server: RunningServer;
let client: MarqueeClient;
let movies: Movie[];

beforeAll(async () => {
  artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-recommend-'));
  const config = loadConfig({ artifactsDir, embedder: 'catalog', logLevel: 'silent' });
  built = await buildVersion(config);
  movies = await readAllJsonl<Movie>(EMBED_FIXTURE);
  server = await startServer({ config, addr: '127.0.0.1:0', log: createLogger('test', 'silent'), watch: false });
  client = serviceClient('marquee.v1.RecommendService', ['marquee/v1/recommend.proto'], server.addr);
});

afterAll(async () => {
  client?.close();
  await server?.close(1000);
  await rm(artifactsDir, { recursive: true, force: true });
});

describe('SimilarMovies', () => {
  it('finds the other films of the franchise first, best first, never the movie itself', async () => {
    const res = await client.call<{ movie: { id: number }; similar: Scored[]; embedder: string; version: string }>('SimilarMovies', {
      title: 'toy story',
      k: 2,
    });
    expect(res.movie.id).toBe(862);
    expect(res.embedder).toBe('catalog');
    expect(res.version).toBe(built.version);
    expect(new Set(res.similar.map((s) => s.movie.id))).toEqual(new Set([863, 10193]));
    expect(res.similar[0].score).toBeGreaterThanOrEqual(res.similar[1].score);
  });

  it('answers from the precomputed list: every other movie scored by cosine + the rerank terms, best first', async () => {
    // on this small catalog the 50 candidates are every movie, so the list is an exact rerank
    const { meta, matrix } = await readEmbeddings(built.dir);
    const byRow = meta.ids.map((id) => movies.find((m) => m.id === id)!);
    const features = new RerankFeatures(byRow.map((m) => ({ title: m.title, keywords: m.keywords, cast: m.cast })));
    const cosine = (a: number, b: number) => {
      let s = 0;
      for (let c = 0; c < meta.dims; c++) s += matrix[a * meta.dims + c] * matrix[b * meta.dims + c];
      return s;
    };
    for (let row = 0; row < meta.count; row++) {
      const res = await client.call<{ similar: Scored[] }>('SimilarMovies', { id: meta.ids[row], k: 5 });
      const exact = meta.ids
        .map((_, r) => r)
        .filter((r) => r !== row)
        .map((r) => ({ r, score: features.score(row, r, cosine(row, r)) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 5);
      expect(res.similar).toHaveLength(5);
      res.similar.forEach((s, i) => {
        const r = meta.ids.indexOf(s.movie.id);
        expect(r).not.toBe(row);
        expect(s.score).toBeCloseTo(features.score(row, r, cosine(row, r)), 4);
        expect(s.score).toBeCloseTo(exact[i].score, 4);
      });
    }
  });

  it('gives 5 by default, up to 50, all other movies when k exceeds them', async () => {
    const five = await client.call<{ similar: Scored[] }>('SimilarMovies', { id: 238 });
    expect(five.similar).toHaveLength(5);
    expect(five.similar.slice(0, 2).map((s) => s.movie.id).sort()).toEqual([240, 242]);
    const all = await client.call<{ similar: Scored[] }>('SimilarMovies', { id: 238, k: 50 });
    expect(all.similar).toHaveLength(movies.length - 1);
    const scores = all.similar.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(all.similar[0].genres.length).toBeGreaterThan(0);
  });

  it('rejects k out of range with INVALID_ARGUMENT', async () => {
    for (const k of [51, -1, 1000]) {
      const err = await rpcError(client.call('SimilarMovies', { id: 862, k }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(/k must be a whole number from 1 to 50/);
    }
  });

  it('follows the title rules: ambiguity names the candidates, year picks one, unknown suggests', async () => {
    const amb = await rpcError(client.call('SimilarMovies', { title: 'Heat' }));
    expect(amb.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(amb.details).toMatch(/1995/);
    expect(amb.details).toMatch(/1986/);
    const heat = await client.call<{ movie: { id: number } }>('SimilarMovies', { title: 'heat', year: 1986 });
    expect(heat.movie.id).toBe(33542);
    const unknown = await rpcError(client.call('SimilarMovies', { title: 'Toy Stroy' }));
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    expect(suggestionsOf(unknown)).toContain('Toy Story');
    const noId = await rpcError(client.call('SimilarMovies', { id: 424242 }));
    expect(noId.code).toBe(grpc.status.NOT_FOUND);
    const empty = await rpcError(client.call('SimilarMovies', {}));
    expect(empty.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe('SearchMovies', () => {
  it('finds the films a description is about', async () => {
    const res = await client.call<{ movies: Scored[]; embedder: string }>('SearchMovies', {
      query: 'Marty McFly travels in a DeLorean time machine',
      k: 3,
    });
    expect(res.embedder).toBe('catalog');
    expect(res.movies).toHaveLength(3);
    for (const s of res.movies) expect(s.movie.title).toMatch(/^Back to the Future/);
    const mafia = await client.call<{ movies: Scored[] }>('SearchMovies', { query: 'the Corleone crime family' });
    expect(mafia.movies).toHaveLength(5);
    expect(mafia.movies[0].movie.title).toMatch(/^The Godfather/);
  });

  it('rejects empty, over-long and meaningless queries with a clear status', async () => {
    const empty = await rpcError(client.call('SearchMovies', { query: '   ' }));
    expect(empty.code).toBe(grpc.status.INVALID_ARGUMENT);
    const long = await rpcError(client.call('SearchMovies', { query: 'toy '.repeat(300) }));
    expect(long.code).toBe(grpc.status.INVALID_ARGUMENT);
    const badK = await rpcError(client.call('SearchMovies', { query: 'toys', k: 51 }));
    expect(badK.code).toBe(grpc.status.INVALID_ARGUMENT);
    const nothing = await rpcError(client.call('SearchMovies', { query: 'xyzzy plugh' }));
    expect(nothing.code).toBe(grpc.status.NOT_FOUND);
    expect(nothing.details).toMatch(/vocabulary/);
  });
});

describe('a version without an index', () => {
  it('answers FAILED_PRECONDITION with a clear message, then recovers when a version with one is published', async () => {
    const config = loadConfig({ artifactsDir, embedder: 'catalog', logLevel: 'silent' });
    const old = await buildVersion(config, { withIndex: false });
    await server.holder.load(old.version);
    for (const [method, req] of [
      ['SimilarMovies', { id: 862 }],
      ['SearchMovies', { query: 'toys' }],
    ] as const) {
      const err = await rpcError(client.call(method, req));
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(err.details).toMatch(/has no similarity index/);
      expect(err.details).toContain(old.version);
    }
    // the catalog itself is still served and a new version brings recommendations back
    const again = await buildVersion(config);
    await server.holder.load(again.version);
    const res = await client.call<{ similar: Scored[] }>('SimilarMovies', { id: 862, k: 1 });
    expect(res.similar).toHaveLength(1);
  });
});

// RatingsService on the real shared data (MovieLens ratings_small joined to TMDB through links),
// through a real grpc-js client. Context figures (a user's mean and count, a movie's raters) are
// computed here from the raw files.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, SHARED_TMDB_DIR } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';
import { serviceClient, type MarqueeClient } from '../../service/client.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { realArtifacts } from '../helpers/real-artifacts.js';
import { rpcError } from '../helpers/rpc.js';

const lines = (f: string) => gunzipSync(readFileSync(path.join(SHARED_TMDB_DIR, f))).toString('utf8').trim().split(/\r?\n/).slice(1);

let server: RunningServer;
let client: MarqueeClient;
let movies: Movie[];
/** user -> tmdbId -> rating, from the raw files (ratings whose movie has a tmdbId) */
const byUser = new Map<number, Map<number, number>>();
const raters = new Map<number, number>();

beforeAll(async () => {
  const tmdb = new Map<string, number>();
  for (const l of lines('links.csv.gz')) {
    const [m, , t] = l.split(',');
    if (t) tmdb.set(m, Number(t));
  }
  for (const l of lines('ratings_small.csv.gz')) {
    const [u, m, r] = l.split(',');
    const t = tmdb.get(m);
    if (t === undefined) continue;
    if (!byUser.has(Number(u))) byUser.set(Number(u), new Map());
    byUser.get(Number(u))!.set(t, Number(r));
    raters.set(t, (raters.get(t) ?? 0) + 1);
  }
  const artifactsDir = await realArtifacts();
  const version = readFileSync(path.join(artifactsDir, 'CURRENT'), 'utf8').trim();
  movies = readFileSync(path.join(artifactsDir, version, 'catalog.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Movie);
  server = await startServer({ config: loadConfig({ artifactsDir, logLevel: 'silent' }), addr: '127.0.0.1:0', log: createLogger('test', 'silent'), watch: false });
  client = serviceClient('marquee.v1.RatingsService', [], server.addr);
});

afterAll(async () => {
  client?.close();
  await server?.close(500);
});

describe('RatingsService on the real ratings', () => {
  it('PredictRating: a prediction in range, the threshold applied, the user and movie context from the raw ratings', async () => {
    const user = 15;
    const mine = byUser.get(user)!;
    const r = await client.call('PredictRating', { userId: user, title: 'Toy Story', threshold: 3 });
    expect(r.predictedRating).toBeGreaterThanOrEqual(0.5);
    expect(r.predictedRating).toBeLessThanOrEqual(5);
    expect(r.wouldLike).toBe(r.predictedRating >= 3);
    expect(r.userRatings).toBe(mine.size);
    expect(r.userMeanRating).toBeCloseTo([...mine.values()].reduce((a, b) => a + b, 0) / mine.size, 2);
    expect(r.movieRatings).toBe(raters.get(862));
    expect(r.userRating).toBe(mine.get(862));
    const d = await client.call('PredictRating', { userId: user, id: 862 });
    expect(d.threshold).toBe(3.5);
  });

  it('the model ranks a heavy rater\'s own favourites above their worst-rated movies', async () => {
    const [user, mine] = [...byUser].sort((a, b) => b[1].size - a[1].size)[0];
    const inCatalog = [...mine].filter(([t]) => movies.some((m) => m.id === t));
    const best = inCatalog.filter(([, r]) => r >= 4.5).slice(0, 15);
    const worst = inCatalog.filter(([, r]) => r <= 1.5).slice(0, 15);
    const mean = async (xs: [number, number][]) =>
      (await Promise.all(xs.map(([id]) => client.call('PredictRating', { userId: user, id })))).reduce((a, r) => a + r.predictedRating, 0) / xs.length;
    expect(best.length).toBeGreaterThan(3);
    expect(worst.length).toBeGreaterThan(3);
    expect(await mean(best)).toBeGreaterThan((await mean(worst)) + 1);
  });

  it('unknown users, movies nobody rated and bad thresholds get clear errors', async () => {
    const u = await rpcError(client.call('PredictRating', { userId: 999_999, id: 862 }));
    expect(u.code).toBe(grpc.status.NOT_FOUND);
    expect(u.details).toMatch(/user 999999 is not in the ratings .*RecommendForUser/);
    const unrated = movies.find((m) => !raters.has(m.id))!;
    const m = await rpcError(client.call('PredictRating', { userId: 15, id: unrated.id }));
    expect(m.code).toBe(grpc.status.NOT_FOUND);
    expect(m.details).toMatch(/no user rated .* What is known: TMDB vote average/);
    expect((await rpcError(client.call('PredictRating', { userId: 15, id: 862, threshold: 9 }))).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('RecommendForUser: k unseen movies of the catalog, filtered by genre and years', async () => {
    const r = await client.call('RecommendForUser', { userId: 15, k: 8, genre: 'comedy', yearFrom: 1990, yearTo: 1999 });
    expect(r.strategy).toBe('ratings model');
    expect(r.movies).toHaveLength(8);
    const seen = byUser.get(15)!;
    for (const x of r.movies) {
      const m = movies.find((mm) => mm.id === x.movie.id)!;
      expect(seen.has(m.id)).toBe(false);
      expect(m.genres).toContain('Comedy');
      expect(m.releaseYear).toBeGreaterThanOrEqual(1990);
      expect(m.releaseYear).toBeLessThanOrEqual(1999);
      expect(raters.get(m.id)).toBeGreaterThanOrEqual(10);
    }
    expect((await rpcError(client.call('RecommendForUser', { userId: 15, yearFrom: 2000, yearTo: 1990 }))).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('a cold start is never an error: from the movies named, or the most popular', async () => {
    const r = await client.call('RecommendForUser', { userId: 0, k: 5, liked: [{ title: 'Toy Story' }, { id: 863 }], disliked: [{ title: 'Heat' }] });
    expect(r.strategy).toBe('content: from the movies named');
    expect(r.movies).toHaveLength(5);
    expect(r.movies.map((x: { movie: { id: number } }) => x.movie.id)).not.toContain(862);
    const unknown = await client.call('RecommendForUser', { userId: 424_242, k: 3 });
    expect(unknown.strategy).toBe('popular: nothing to go on');
    expect(unknown.movies).toHaveLength(3);
  });

  it('RatingsModelInfo: the model beats the global mean and the bias-only model on the same split', async () => {
    const r = await client.call('RatingsModelInfo', {});
    const f = JSON.parse(r.figuresJson);
    expect(r.users).toBe(byUser.size);
    expect(f.model.rmse).toBeLessThan(f.biasOnly.rmse);
    expect(f.biasOnly.rmse).toBeLessThan(f.globalMean.rmse);
    expect(f.ranking.modelRecallAt10).toBeGreaterThan(0);
  });
});

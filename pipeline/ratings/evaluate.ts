// The fixed, seeded holdouts and the figures the manifest records: RMSE and MAE of the model beside
// the global mean and a bias-only model on the same split, and recall@10 for users' held-out liked
// movies beside a popularity ranking.
import { mulberry32 } from '../synth/prng.js';
import type { RatingsData } from './data.js';
import { predictNew, type FittedModel } from './model.js';

/** 1 for the ratings in the test share, drawn per rating with a fixed seed. */
export function ratingSplit(n: number, seed: number, testShare = 0.2): Uint8Array {
  const rnd = mulberry32(seed);
  const isTest = new Uint8Array(n);
  for (let k = 0; k < n; k++) isTest[k] = rnd() < testShare ? 1 : 0;
  return isTest;
}

/** 1 for the ratings held out per user: a fixed share of each user's ratings (users with fewer than 5 keep all). */
export function userSplit(data: Pick<RatingsData, 'user' | 'userIds'>, seed: number, share = 0.2): Uint8Array {
  const byUser: number[][] = Array.from({ length: data.userIds.length }, () => []);
  for (let k = 0; k < data.user.length; k++) byUser[data.user[k]].push(k);
  const rnd = mulberry32(seed);
  const held = new Uint8Array(data.user.length);
  for (const ks of byUser) {
    if (ks.length < 5) continue;
    for (let a = ks.length - 1; a > 0; a--) {
      const b = Math.floor(rnd() * (a + 1));
      [ks[a], ks[b]] = [ks[b], ks[a]];
    }
    for (let j = 0; j < Math.floor(ks.length * share); j++) held[ks[j]] = 1;
  }
  return held;
}

export interface ErrorFigures {
  rmse: number;
  mae: number;
}

export function errors(stars: Float32Array, mask: Uint8Array, predict: (k: number) => number): ErrorFigures {
  let se = 0;
  let ae = 0;
  let n = 0;
  for (let k = 0; k < stars.length; k++) {
    if (!mask[k]) continue;
    const e = stars[k] - predict(k);
    se += e * e;
    ae += Math.abs(e);
    n++;
  }
  return { rmse: Math.sqrt(se / n), mae: ae / n };
}

/**
 * Recommendations rank by predicted rating + RANKING_POPULARITY_WEIGHT * ln(1 + ratings of the movie).
 * Predicted ratings alone rank poorly (a movie a handful of users loved predicts high for everyone);
 * the weight was chosen on a validation split of users (seed 99, not the evaluation split):
 * recall@10 0.053 for the rating alone, 0.125 at 0.2, 0.148 at 0.5, 0.152 at 1, 0.143 for popularity.
 */
export const RANKING_POPULARITY_WEIGHT = 1;

export function rankingScore(predicted: number, ratingsOfMovie: number): number {
  return predicted + RANKING_POPULARITY_WEIGHT * Math.log1p(ratingsOfMovie);
}

export interface RankingFigures {
  users: number;
  modelRecallAt10: number;
  popularityRecallAt10: number;
}

/**
 * For users with held-out ratings >= 4: rank every item they did not rate in training (among items
 * with at least `minSupport` training ratings, as RecommendForUser does), by rankingScore, take the top 10; recall = held-out liked items found / min(10, held-out liked). At most `maxUsers` users
 * (a seeded sample) so the figure stays cheap at full size.
 */
export function recallAt10(
  data: Pick<RatingsData, 'user' | 'item' | 'stars' | 'userIds' | 'itemTmdb'>,
  heldOut: Uint8Array,
  models: FittedModel[],
  maxUsers = 1000,
  seed = 7,
  minSupport = 10,
): RankingFigures {
  const nu = data.userIds.length;
  const ni = data.itemTmdb.length;
  const seen: Set<number>[] = Array.from({ length: nu }, () => new Set());
  const liked: number[][] = Array.from({ length: nu }, () => []);
  const popularity = new Float64Array(ni);
  for (let k = 0; k < data.user.length; k++) {
    if (heldOut[k]) {
      if (data.stars[k] >= 4) liked[data.user[k]].push(data.item[k]);
    } else {
      seen[data.user[k]].add(data.item[k]);
      popularity[data.item[k]]++;
    }
  }
  let users = [...Array(nu).keys()].filter((u) => liked[u].length > 0);
  if (users.length > maxUsers) {
    const rnd = mulberry32(seed);
    users = users.map((u) => [rnd(), u]).sort((a, b) => a[0] - b[0]).slice(0, maxUsers).map((x) => x[1]);
  }
  // as the service recommends: among movies with at least `minSupport` training ratings
  const top10 = (score: (i: number) => number, u: number) => {
    const best: [number, number][] = [];
    for (let i = 0; i < ni; i++) {
      if (seen[u].has(i) || popularity[i] < minSupport) continue;
      const s = score(i);
      if (best.length < 10 || s > best[best.length - 1][0]) {
        best.push([s, i]);
        best.sort((a, b) => b[0] - a[0]);
        if (best.length > 10) best.pop();
      }
    }
    return best.map((b) => b[1]);
  };
  let model = 0;
  let pop = 0;
  const views = models.map((m) => ({ ...m, factors: m.options.factors, timeTerms: m.options.timeTerms }));
  for (const u of users) {
    const want = new Set(liked[u]);
    const denom = Math.min(10, want.size);
    const score = (i: number) => {
      let s = 0;
      for (const v of views) s += predictNew(v, u, i);
      return rankingScore(s / views.length, popularity[i]);
    };
    model += top10(score, u).filter((i) => want.has(i)).length / denom;
    pop += top10((i) => popularity[i], u).filter((i) => want.has(i)).length / denom;
  }
  return { users: users.length, modelRecallAt10: model / users.length, popularityRecallAt10: pop / users.length };
}

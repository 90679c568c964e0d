// A biased matrix-factorisation model of ratings, trained by SGD (as Surprise's SVD), with the
// time terms of Koren's timeSVD: a bias and a scale of the item bias per user and per user-day.
// MovieLens users rate in sessions (17.5 ratings per user-day in ratings_small), and a session has
// a mood: on the fixed 80/20 split the day terms take RMSE from 0.876 (plain biased MF) to 0.849.
// Serving predicts for a new day, so it uses the per-user terms and leaves the day terms out.
// Numerics are hand-written over typed arrays: no maintained JS library trains this model.
import { mulberry32 } from '../synth/prng.js';
import type { RatingsData } from './data.js';

export interface TrainOptions {
  factors: number;
  epochs: number;
  /** learning rate of the factors */
  lr: number;
  /** learning rate of the biases and scales */
  lrBias: number;
  reg: number;
  regBias: number;
  /** regularisation of the per-user-day terms */
  regDay: number;
  /** factors start uniform in [-init, init] */
  init: number;
  /** the day terms (timeSVD) */
  timeTerms: boolean;
  seed: number;
}

/** Chosen with bench:train on a validation split carved out of the training 80% (never the test 20%). */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  factors: 100,
  epochs: 80,
  lr: 0.01,
  lrBias: 0.005,
  reg: 0.1,
  regBias: 0.02,
  regDay: 0.05,
  init: 0.1,
  timeTerms: true,
  seed: 42,
};

export interface FittedModel {
  options: TrainOptions;
  mu: number;
  bu: Float32Array;
  /** per-user scale of the item bias (starts at 1) */
  cu: Float32Array;
  bi: Float32Array;
  /** users x factors, row-major */
  P: Float32Array;
  /** items x factors, row-major */
  Q: Float32Array;
  /** per user-day: bias and scale offset; `dayOf[k]` is rating k's user-day slot */
  bud: Float32Array;
  cud: Float32Array;
  dayOf: Int32Array;
}

/** One slot per (user, day) pair of the data. */
export function userDays(data: Pick<RatingsData, 'user' | 'day'>): { dayOf: Int32Array; slots: number } {
  const n = data.user.length;
  const dayOf = new Int32Array(n);
  const slot = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const key = data.user[k] * 131_072 + (data.day[k] & 0x1ffff);
    let s = slot.get(key);
    if (s === undefined) slot.set(key, (s = slot.size));
    dayOf[k] = s;
  }
  return { dayOf, slots: slot.size };
}

/**
 * Fits on the ratings whose `inTrain[k]` is 1. `days` may be shared between fits of the same data.
 * `onEpoch` reports progress.
 */
export function trainModel(
  data: Pick<RatingsData, 'user' | 'item' | 'stars' | 'day' | 'userIds' | 'itemTmdb'>,
  inTrain: Uint8Array,
  options: Partial<TrainOptions> = {},
  days = userDays(data),
  onEpoch?: (epoch: number) => void,
): FittedModel {
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const nu = data.userIds.length;
  const ni = data.itemTmdb.length;
  const F = o.factors;
  const { user, item, stars } = data;
  const dayOf = days.dayOf;
  let mu = 0;
  let count = 0;
  for (let k = 0; k < inTrain.length; k++) {
    if (inTrain[k]) {
      mu += stars[k];
      count++;
    }
  }
  mu /= Math.max(1, count);
  const rnd = mulberry32(o.seed);
  const P = new Float32Array(nu * F);
  const Q = new Float32Array(ni * F);
  for (let i = 0; i < P.length; i++) P[i] = (rnd() * 2 - 1) * o.init;
  for (let i = 0; i < Q.length; i++) Q[i] = (rnd() * 2 - 1) * o.init;
  const bu = new Float32Array(nu);
  const cu = new Float32Array(nu).fill(1);
  const bi = new Float32Array(ni);
  const bud = new Float32Array(o.timeTerms ? days.slots : 0);
  const cud = new Float32Array(o.timeTerms ? days.slots : 0);
  const order = new Int32Array(count);
  for (let k = 0, j = 0; k < inTrain.length; k++) if (inTrain[k]) order[j++] = k;
  const { lr, lrBias, reg, regBias, regDay } = o;
  const time = o.timeTerms;
  for (let e = 0; e < o.epochs; e++) {
    for (let a = order.length - 1; a > 0; a--) {
      const b = Math.floor(rnd() * (a + 1));
      const t = order[a];
      order[a] = order[b];
      order[b] = t;
    }
    for (let j = 0; j < order.length; j++) {
      const k = order[j];
      const u = user[k];
      const i = item[k];
      const pu = u * F;
      const qi = i * F;
      let dot = 0;
      for (let f = 0; f < F; f++) dot += P[pu + f] * Q[qi + f];
      const d = dayOf[k];
      const scale = time ? cu[u] + cud[d] : 1;
      const ib = bi[i];
      const pred = mu + bu[u] + (time ? bud[d] : 0) + ib * scale + dot;
      const err = stars[k] - pred;
      bu[u] += lrBias * (err - regBias * bu[u]);
      bi[i] += lrBias * (err * scale - regBias * ib);
      if (time) {
        bud[d] += lrBias * (err - regDay * bud[d]);
        cu[u] += lrBias * (err * ib - 0.01 * (cu[u] - 1));
        cud[d] += lrBias * (err * ib - regDay * cud[d]);
      }
      for (let f = 0; f < F; f++) {
        const p = P[pu + f];
        const q = Q[qi + f];
        P[pu + f] += lr * (err * q - reg * p);
        Q[qi + f] += lr * (err * p - reg * q);
      }
    }
    onEpoch?.(e + 1);
  }
  return { options: o, mu, bu, cu, bi, P, Q, bud, cud, dayOf };
}

const clamp = (x: number) => (x < 0.5 ? 0.5 : x > 5 ? 5 : x);

/** The model's rating k (known user-day, as in the evaluation). */
export function predictKnown(m: FittedModel, data: Pick<RatingsData, 'user' | 'item'>, k: number): number {
  const u = data.user[k];
  const i = data.item[k];
  const F = m.options.factors;
  let dot = 0;
  for (let f = 0; f < F; f++) dot += m.P[u * F + f] * m.Q[i * F + f];
  const d = m.dayOf[k];
  const time = m.options.timeTerms;
  return clamp(m.mu + m.bu[u] + (time ? m.bud[d] : 0) + m.bi[i] * (time ? m.cu[u] + m.cud[d] : 1) + dot);
}

/** User u's rating of item i on a new day (what the service answers). */
export function predictNew(m: Pick<FittedModel, 'mu' | 'bu' | 'cu' | 'bi' | 'P' | 'Q'> & { factors: number; timeTerms: boolean }, u: number, i: number): number {
  const F = m.factors;
  let dot = 0;
  for (let f = 0; f < F; f++) dot += m.P[u * F + f] * m.Q[i * F + f];
  return clamp(m.mu + m.bu[u] + m.bi[i] * (m.timeTerms ? m.cu[u] : 1) + dot);
}

// The body of the train stage (runs in a worker thread): load, split, evaluate against the
// baselines, refit on every rating, save. Deterministic for a seed.
import path from 'node:path';
import { RATINGS_FILES, saveModel } from './artifact.js';
import { discoverRatingsInput, loadRatings } from './data.js';
import { errors, ratingSplit, recallAt10, userSplit } from './evaluate.js';
import { DEFAULT_TRAIN_OPTIONS, predictKnown, trainModel, userDays, type FittedModel, type TrainOptions } from './model.js';
import type { InputFile, QuarantineRecord } from '../types.js';

export interface TrainJob {
  dir: string;
  dataDir: string;
  seed?: number;
  options?: Partial<TrainOptions>;
  /** ensemble members (default: 2 up to 2M ratings, 1 above) */
  members?: number;
}

export interface TrainOutcome {
  skipped?: string;
  counts: Record<string, number>;
  quarantine: Record<string, number>;
  quarantined: QuarantineRecord[];
  inputs: InputFile[];
  info: Record<string, unknown>;
  files: Record<string, string>;
}

export interface TrainHooks {
  progress(done: number, total: number, message: string): void;
  log(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * Above this many ratings (the full MovieLens set has 26M) the model is fitted with fewer factors
 * and epochs and one ensemble member, so the stage takes minutes, not an hour: with many ratings
 * per movie, fewer passes converge.
 */
const LARGE = 2_000_000;
const LARGE_DATA_OPTIONS: Partial<TrainOptions> = { factors: 50, epochs: 12 };

export async function trainRatings(job: TrainJob, hooks: TrainHooks): Promise<TrainOutcome> {
  const input = await discoverRatingsInput(job.dataDir);
  if (!input.ratings || !input.links) {
    const why = !input.ratings ? 'no MovieLens ratings (ratings.csv or ratings_small.csv)' : 'no links.csv to join MovieLens ids to TMDB ids';
    hooks.log('warn', `train: ${why} in the data dir: this version has no ratings model`);
    return { skipped: why, counts: {}, quarantine: {}, quarantined: [], inputs: [], info: { skipped: why }, files: {} };
  }
  const t0 = performance.now();
  hooks.progress(0, 1, `reading ${input.ratings.file}`);
  const data = await loadRatings(input, (rows) => hooks.progress(rows, 0, `reading ${input.ratings!.file}`));
  const n = data.user.length;
  const seed = job.seed ?? 2026;
  const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, seed, ...(n > LARGE ? LARGE_DATA_OPTIONS : {}), ...job.options };
  const members = job.members ?? (n <= LARGE ? 2 : 1);
  const days = userDays(data);
  const loadMs = performance.now() - t0;
  const steps = 2 * members + 3;
  let step = 0;
  const fit = (mask: Uint8Array, o: Partial<TrainOptions>, what: string): FittedModel => {
    step++;
    return trainModel(data, mask, o, days, (e) => hooks.progress(step - 1 + e / (o.epochs ?? options.epochs), steps, `${what}: epoch ${e}`));
  };

  // 1. the fixed 80/20 split: the model beside the global mean and a bias-only model
  const t1 = performance.now();
  const isTest = ratingSplit(n, seed);
  const train = Uint8Array.from(isTest, (t) => 1 - t);
  let mu = 0;
  let c = 0;
  for (let k = 0; k < n; k++) if (train[k]) (mu += data.stars[k]), c++;
  mu /= c;
  const globalMean = errors(data.stars, isTest, () => mu);
  const biasModel = fit(train, { ...options, factors: 0, timeTerms: false, epochs: 30 }, 'bias-only baseline');
  const biasOnly = errors(data.stars, isTest, (k) => predictKnown(biasModel, data, k));
  const evalMembers = Array.from({ length: members }, (_, j) => fit(train, { ...options, seed: options.seed + j * 101 }, `model ${j + 1}/${members} on the 80% split`));
  const model = errors(data.stars, isTest, (k) => evalMembers.reduce((a, m) => a + predictKnown(m, data, k), 0) / members);
  const newDay = errors(data.stars, isTest, (k) => {
    let s = 0;
    for (const m of evalMembers) {
      const u = data.user[k];
      const i = data.item[k];
      let dot = 0;
      for (let f = 0; f < m.options.factors; f++) dot += m.P[u * m.options.factors + f] * m.Q[i * m.options.factors + f];
      s += Math.min(5, Math.max(0.5, m.mu + m.bu[u] + m.bi[i] * (m.options.timeTerms ? m.cu[u] : 1) + dot));
    }
    return s / members;
  });
  const evalMs = performance.now() - t1;
  hooks.log('info', 'ratings model evaluated', { rmse: model.rmse, globalMean: globalMean.rmse, biasOnly: biasOnly.rmse });

  // 2. ranking: a per-user split; recall@10 of held-out liked movies, model vs popularity
  const held = userSplit(data, seed + 1);
  const rankModel = fit(Uint8Array.from(held, (h) => 1 - h), options, 'model on the per-user split');
  const ranking = recallAt10(data, held, [rankModel]);

  // 3. refit on every rating for serving
  const t2 = performance.now();
  const all = new Uint8Array(n).fill(1);
  const serving = Array.from({ length: members }, (_, j) => fit(all, { ...options, seed: options.seed + j * 101 }, `serving model ${j + 1}/${members} on all ratings`));
  const refitMs = performance.now() - t2;
  const figures = {
    split: { seed, testShare: 0.2, trainRatings: c, testRatings: n - c },
    model: { rmse: round(model.rmse), mae: round(model.mae) },
    modelOnANewDay: { rmse: round(newDay.rmse), mae: round(newDay.mae), note: 'what the service predicts: the per-user-day terms left out' },
    globalMean: { rmse: round(globalMean.rmse), mae: round(globalMean.mae) },
    biasOnly: { rmse: round(biasOnly.rmse), mae: round(biasOnly.mae) },
    ranking: { perUserHoldout: 0.2, users: ranking.users, modelRecallAt10: round(ranking.modelRecallAt10), popularityRecallAt10: round(ranking.popularityRecallAt10) },
  };
  await saveModel(job.dir, data, serving, { figures, options: { ...options, members } });
  hooks.progress(steps, steps, 'saved');
  return {
    counts: { ...data.counts, ratings_model_users: data.userIds.length, ratings_model_movies: data.itemTmdb.length },
    quarantine: data.quarantineByReason,
    quarantined: data.quarantine,
    inputs: data.inputs,
    files: { ratingsModel: RATINGS_FILES.meta, ratingsModelBin: RATINGS_FILES.bin },
    info: {
      ratingsFile: input.ratings.file,
      linksFile: input.links.file,
      figures,
      hyperparameters: { ...options, members },
      ms: { load: Math.round(loadMs), evaluate: Math.round(evalMs), refit: Math.round(refitMs), total: Math.round(performance.now() - t0) },
      modelFile: path.basename(RATINGS_FILES.bin),
    },
  };
}

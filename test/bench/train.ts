// npm run bench:train [-- --only small|full|splits]
//
// The ratings model (pipeline/ratings/):
//   small   the train stage's work on the real MovieLens ratings_small (100,004 ratings), in a fresh
//           process: wall time, peak RSS, RMSE/MAE beside the global mean and bias-only, recall@10
//           beside popularity (target RMSE <= 0.85 on the fixed split);
//   splits  the same model on five seeded splits: how much the figure moves with the split;
//   full    the train stage on a full-size SYNTHETIC ratings file (26,024,289 ratings; generated with
//           data:synth on first use): wall time and peak RSS (memory must stay bounded).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, SHARED_TMDB_DIR } from '../../pipeline/config.js';
import { discoverRatingsInput, loadRatings } from '../../pipeline/ratings/data.js';
import { errors, ratingSplit } from '../../pipeline/ratings/evaluate.js';
import { DEFAULT_TRAIN_OPTIONS, predictKnown, trainModel, userDays } from '../../pipeline/ratings/model.js';
import { trainRatings } from '../../pipeline/ratings/train.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, child: { type: 'string' }, out: { type: 'string' } } });

if (values.child) {
  const t0 = performance.now();
  const r = await trainRatings({ dir: values.out!, dataDir: values.child }, { progress: () => undefined, log: () => undefined });
  process.stdout.write(JSON.stringify({ ms: performance.now() - t0, peak: process.resourceUsage().maxRSS * 1024, info: r.info, counts: r.counts }) + '\n');
  process.exit(0);
}

const f3 = (x: number) => x.toFixed(3);
const f4 = (x: number) => x.toFixed(4);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

async function child(dataDir: string) {
  const out = await mkdtemp(path.join(os.tmpdir(), 'mq-bench-train-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test', 'bench', 'train.ts'), '--child', dataDir, '--out', out], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function small(): Promise<void> {
  const r = await child(SHARED_TMDB_DIR);
  const f = r.info.figures;
  console.log(`\n== ratings_small (REAL: ${r.counts.ratings_kept.toLocaleString('en-US')} ratings joined to TMDB, ${r.counts.ratings_unmapped} without a tmdbId; ${r.counts.links_without_tmdb} links rows without a tmdbId)`);
  console.log(`train stage work: ${(r.ms / 1000).toFixed(1)} s (load ${r.info.ms.load} ms, evaluation ${(r.info.ms.evaluate / 1000).toFixed(1)} s, refit ${(r.info.ms.refit / 1000).toFixed(1)} s), peak RSS ${mb(r.peak)}`);
  console.log(`fixed split (seed ${f.split.seed}, 80/20 per rating: ${f.split.trainRatings} / ${f.split.testRatings}):`);
  console.log(`  ${'global mean'.padEnd(34)} RMSE ${f4(f.globalMean.rmse)}  MAE ${f4(f.globalMean.mae)}`);
  console.log(`  ${'bias-only'.padEnd(34)} RMSE ${f4(f.biasOnly.rmse)}  MAE ${f4(f.biasOnly.mae)}`);
  console.log(`  ${'model (MF + day terms, 2 members)'.padEnd(34)} RMSE ${f4(f.model.rmse)}  MAE ${f4(f.model.mae)}   target <= 0.85: ${f.model.rmse <= 0.85 ? 'MET' : 'MISSED'}`);
  console.log(`  ${'the same on a new day (serving)'.padEnd(34)} RMSE ${f4(f.modelOnANewDay.rmse)}  MAE ${f4(f.modelOnANewDay.mae)}`);
  console.log(`ranking (per-user 20% holdout, ${f.ranking.users} users, liked = rated >= 4): recall@10 model ${f3(f.ranking.modelRecallAt10)}, popularity ${f3(f.ranking.popularityRecallAt10)}`);
  console.log(`hyperparameters: ${JSON.stringify(r.info.hyperparameters)}`);
}

async function splits(): Promise<void> {
  const data = await loadRatings(await discoverRatingsInput(SHARED_TMDB_DIR));
  const days = userDays(data);
  const rows: number[][] = [];
  console.log('\n== the same model on five seeded 80/20 splits of ratings_small (one member each)');
  console.log(`${'seed'.padEnd(8)}${'global'.padEnd(10)}${'bias-only'.padEnd(12)}${'model'.padEnd(10)}model / global`);
  for (const seed of [2026, 2027, 2028, 2029, 2030]) {
    const isTest = ratingSplit(data.user.length, seed);
    const train = Uint8Array.from(isTest, (t) => 1 - t);
    let mu = 0;
    let c = 0;
    for (let k = 0; k < train.length; k++) if (train[k]) (mu += data.stars[k]), c++;
    mu /= c;
    const g = errors(data.stars, isTest, () => mu).rmse;
    const b = trainModel(data, train, { ...DEFAULT_TRAIN_OPTIONS, factors: 0, timeTerms: false, epochs: 30, seed }, days);
    const m = trainModel(data, train, { ...DEFAULT_TRAIN_OPTIONS, seed }, days);
    const row = [seed, g, errors(data.stars, isTest, (k) => predictKnown(b, data, k)).rmse, errors(data.stars, isTest, (k) => predictKnown(m, data, k)).rmse];
    rows.push(row);
    console.log(`${String(seed).padEnd(8)}${f4(row[1]).padEnd(10)}${f4(row[2]).padEnd(12)}${f4(row[3]).padEnd(10)}${f3(row[3] / row[1])}`);
  }
  const mean = (j: number) => rows.reduce((a, r) => a + r[j], 0) / rows.length;
  const sd = (j: number) => Math.sqrt(rows.reduce((a, r) => a + (r[j] - mean(j)) ** 2, 0) / (rows.length - 1));
  console.log(`${'mean'.padEnd(8)}${f4(mean(1)).padEnd(10)}${f4(mean(2)).padEnd(12)}${f4(mean(3)).padEnd(10)}(sd of the model's RMSE ${f4(sd(3))})`);
}

async function full(): Promise<void> {
  const dir = path.join(PROJECT_ROOT, 'data', 'synth', 'movielens-full');
  if (!existsSync(path.join(dir, 'ratings.synth.csv.gz'))) {
    console.log('generating 26,024,289 synthetic MovieLens ratings ...');
    const g = spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/synth/cli.ts', '--movielens-ratings', '26024289', '--out', dir], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    if (g.status !== 0) throw new Error('data:synth failed');
  }
  const r = await child(dir);
  console.log(`\n== full-size SYNTHETIC ratings (${r.counts.ratings_kept.toLocaleString('en-US')} ratings, ${r.counts.ratings_users.toLocaleString('en-US')} users, ${r.counts.ratings_movies.toLocaleString('en-US')} movies)`);
  console.log(`train stage work: ${(r.ms / 1000).toFixed(1)} s (load ${(r.info.ms.load / 1000).toFixed(1)} s, evaluation ${(r.info.ms.evaluate / 1000).toFixed(1)} s, refit ${(r.info.ms.refit / 1000).toFixed(1)} s), peak RSS ${mb(r.peak)}`);
  console.log(`hyperparameters at this size: ${JSON.stringify(r.info.hyperparameters)}; RMSE on the synthetic split ${f4(r.info.figures.model.rmse)} (global mean ${f4(r.info.figures.globalMean.rmse)}; synthetic: not a quality claim)`);
}

console.log(`bench:train on ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
if (!values.only || values.only === 'small') await small();
if (!values.only || values.only === 'splits') await splits();
if (!values.only || values.only === 'full') await full();

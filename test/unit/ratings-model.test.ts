// The ratings model on a handmade fixture with a planted preference (test/fixtures/ratings).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { loadModel, RATINGS_FILES } from '../../pipeline/ratings/artifact.js';
import { discoverRatingsInput, loadRatings } from '../../pipeline/ratings/data.js';
import { trainRatings, type TrainOutcome } from '../../pipeline/ratings/train.js';

const FIX = path.join(PROJECT_ROOT, 'test', 'fixtures', 'ratings');
const dirs: string[] = [];
const hooks = { progress: () => undefined, log: () => undefined };
const small = { factors: 8, epochs: 60 };

async function train(seed = 2026): Promise<{ dir: string; out: TrainOutcome }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mq-train-'));
  dirs.push(dir);
  return { dir, out: await trainRatings({ dir, dataDir: FIX, seed, options: small }, hooks) };
}

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('ratings model', () => {
  it('reads the ratings, joins them to TMDB ids, counts and quarantines what it cannot use', async () => {
    const data = await loadRatings(await discoverRatingsInput(FIX));
    expect(data.counts).toMatchObject({ ratings_unmapped: 1, ratings_quarantined: 1, links_without_tmdb: 1 });
    expect(data.quarantine[0]).toMatchObject({ reason: 'unexpected_value', row: expect.any(Number) });
    expect(Array.from(data.itemTmdb).every((t) => t > 1000 && t <= 1020)).toBe(true);
  });

  it('learns a planted preference: a user who loves one taste is predicted higher on an unseen movie of it', async () => {
    const { dir, out } = await train();
    const m = await loadModel(path.join(dir, RATINGS_FILES.meta), path.join(dir, RATINGS_FILES.bin));
    const u = Array.from(m.userIds).indexOf(100);
    const item = (tmdb: number) => Array.from(m.itemTmdb).indexOf(tmdb);
    const predict = (i: number) =>
      m.members.reduce((a, x) => {
        let dot = 0;
        for (let f = 0; f < m.meta.factors; f++) dot += x.P[u * m.meta.factors + f] * x.Q[i * m.meta.factors + f];
        return a + x.mu + x.bu[u] + x.bi[i] * x.cu[u] + dot;
      }, 0) / m.members.length;
    const liked = predict(item(1009));
    const other = predict(item(1019));
    expect(liked).toBeGreaterThan(3.5);
    expect(other).toBeLessThan(2.5);
    // the figures beside the baselines are recorded
    const f = out.info.figures as { model: { rmse: number }; globalMean: { rmse: number }; biasOnly: { rmse: number } };
    expect(f.model.rmse).toBeLessThan(f.globalMean.rmse);
  });

  it('is deterministic for a seed (the same model file, byte for byte)', async () => {
    const a = await train(7);
    const b = await train(7);
    const c = await train(8);
    const bytes = async (d: string) => readFile(path.join(d, RATINGS_FILES.bin));
    expect(Buffer.compare(await bytes(a.dir), await bytes(b.dir))).toBe(0);
    expect(Buffer.compare(await bytes(a.dir), await bytes(c.dir))).not.toBe(0);
  });
});

import path from 'node:path';
import { BufferedJsonlWriter } from '../etl/lines.js';
import { runInThread } from '../embed/thread.js';
import { timedStage, type StageBody, type StageContext } from '../stages/context.js';
import type { QuarantineRecord, StageResult } from '../types.js';

/**
 * The train stage: a matrix-factorisation model of the MovieLens ratings in the data dir (joined to
 * TMDB ids), evaluated on a fixed seeded split against the global mean and a bias-only model, then
 * refitted on every rating for serving (pipeline/ratings/). Runs in a worker thread. A data dir
 * without ratings builds no model and says so.
 */
export async function runTrain(ctx: StageContext): Promise<StageResult> {
  return timedStage('train', async (): Promise<StageBody> => {
    const r = await runInThread(
      { kind: 'train', job: { dir: ctx.dir, dataDir: ctx.config.dataDir } },
      {
        signal: ctx.signal,
        progress: (done, total, message) => ctx.progress({ stage: 'train', done: Math.round(done * 100), total: total ? total * 100 : undefined, unit: '%', message }),
        log: (level, msg, fields) => ctx.log[level](fields ?? {}, msg),
      },
    );
    if (r.skipped) return { counts: { ratings_model: 0 }, info: { skipped: r.skipped } };
    const q = new BufferedJsonlWriter<QuarantineRecord>(path.join(ctx.dir, 'model', 'ratings-quarantine.jsonl'));
    for (const x of r.quarantined) await q.write(x);
    await q.close();
    return {
      counts: { ...r.counts, ratings_model: 1 },
      quarantine: r.quarantine,
      inputs: r.inputs,
      files: { ...r.files, ratingsQuarantine: 'model/ratings-quarantine.jsonl' },
      info: r.info,
    };
  });
}

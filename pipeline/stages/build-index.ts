import { runInThread } from '../embed/thread';
import { timedStage, type StageContext } from './context';
import type { StageResult } from '../types';

/** Index stage: an HNSW graph (cosine) over the version's embedding matrix, built in a worker thread. */
export async function runIndex(ctx: StageContext): Promise<StageResult> {
  return timedStage('index', async () => {
    const r = await runInThread(
      { kind: 'index', job: { dir: ctx.dir, artifactsDir: ctx.config.artifactsDir } },
      {
        signal: ctx.signal,
        progress: (done, total, message) => ctx.progress({ stage: 'index', done, total, unit: 'vectors', message }),
      },
    );
    ctx.log.info({ count: r.meta.count, M: r.meta.M, efConstruction: r.meta.efConstruction, ef: r.meta.ef, reused: r.reused }, 'index built');
    return {
      counts: { indexed: r.meta.count, indexReused: r.reused ? 1 : 0 },
      files: r.files,
      info: {
        library: 'hnswlib-node',
        space: r.meta.space,
        M: r.meta.M,
        efConstruction: r.meta.efConstruction,
        ef: r.meta.ef,
        seed: r.meta.seed,
        dims: r.meta.dims,
        count: r.meta.count,
        buildMs: r.buildMs,
        reused: r.reused,
      },
    };
  });
}

import path from 'node:path';
import { FILES } from '../artifacts/store';
import { runTask } from '../embed/thread';
import { selectEmbedder } from '../embedders/select';
import { timedStage, type StageContext } from './context';
import type { StageResult } from '../types';

/**
 * Embed stage: one vector per movie of catalog.jsonl, by the configured embedder (auto picks
 * transformers when its weights are available, else the catalog embedder). The work runs off this
 * event loop: the catalog embedder in a worker thread, the transformers embedder in a child process
 * (see embed/thread.ts for why); vectors of unchanged movies come from the cross-version cache.
 */
export async function runEmbed(ctx: StageContext): Promise<StageResult> {
  return timedStage('embed', async () => {
    const { config } = ctx;
    const sel = selectEmbedder(config.embedder, config.modelDir, config.modelId, config.allowRemoteModels);
    const where = sel.id === 'transformers' ? 'process' : 'thread';
    const { result: r, childPeakRssBytes } = await runTask(
      {
        kind: 'embed',
        job: {
          dir: ctx.dir,
          catalogFile: path.join(ctx.dir, FILES.catalog),
          artifactsDir: config.artifactsDir,
          choice: config.embedder,
          modelDir: config.modelDir,
          modelId: config.modelId,
          allowRemoteModels: config.allowRemoteModels,
        },
      },
      {
        signal: ctx.signal,
        progress: (done, total, message) => ctx.progress({ stage: 'embed', done, total, unit: 'movies', message }),
        log: (level, msg, fields) => ctx.log[level](fields ?? {}, msg),
      },
      where,
    );
    ctx.log.info(
      { embedder: r.embedder, reason: r.reason, dims: r.spec.dims, embedded: r.embedded, reused: r.reused },
      'embeddings written',
    );
    return {
      counts: { embedded: r.embedded, embeddingsReused: r.reused, embeddings: r.movies },
      files: r.files,
      info: {
        embedder: r.embedder,
        reason: r.reason,
        fingerprint: r.spec.fingerprint,
        dims: r.spec.dims,
        modelId: r.spec.modelId ?? null,
        quantized: r.spec.quantized ?? null,
        maxTokens: r.spec.maxTokens ?? null,
        movies: r.movies,
        embedded: r.embedded,
        reused: r.reused,
        fitReused: r.fitReused ?? null,
        fitMs: r.fitMs,
        embedMs: r.embedMs,
        ranIn: where === 'process' ? 'child process' : 'worker thread',
        childPeakRssBytes: childPeakRssBytes ?? null,
      },
    };
  });
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { runInThread } from '../embed/thread.js';
import { EMBEDDING_FILES } from '../embed/matrix.js';
import { PLATFORM_FILES } from '../platforms/types.js';
import { FILES } from '../artifacts/store.js';
import { timedStage, type StageContext } from './context.js';
import type { StageResult } from '../types.js';

/**
 * Index stage: an HNSW graph (cosine) over each embedding matrix of the version (the movies', and
 * the platform titles' under platforms/), built in a worker thread. A corpus without embeddings
 * (its family absent) has no index.
 */
export async function runIndex(ctx: StageContext): Promise<StageResult> {
  return timedStage('index', async () => {
    const counts: Record<string, number> = {};
    const files: Record<string, string> = {};
    const info: Record<string, unknown> = { library: 'hnswlib-node' };
    for (const c of [
      { corpus: 'movies' as const, dir: ctx.dir, prefix: '', key: '', docs: path.join(ctx.dir, FILES.catalog) },
      { corpus: 'titles' as const, dir: path.join(ctx.dir, PLATFORM_FILES.dir), prefix: 'platforms/', key: 'titles_', docs: path.join(ctx.dir, PLATFORM_FILES.titles) },
    ]) {
      if (!existsSync(path.join(c.dir, EMBEDDING_FILES.meta))) {
        counts[`${c.key}indexed`] = 0;
        continue;
      }
      const r = await runInThread(
        {
          kind: 'index',
          job: { dir: c.dir, artifactsDir: ctx.config.artifactsDir, docs: { file: c.docs, corpus: c.corpus }, ...(ctx.config.indexBuildThreads > 0 && { buildThreads: ctx.config.indexBuildThreads }) },
        },
        {
          signal: ctx.signal,
          progress: (done, total, message) => ctx.progress({ stage: 'index', done, total, unit: 'vectors', message: `${c.corpus}: ${message}` }),
        },
      );
      ctx.log.info({ corpus: c.corpus, count: r.meta.count, M: r.meta.M, efConstruction: r.meta.efConstruction, ef: r.meta.ef, reused: r.reused }, 'index built');
      counts[`${c.key}indexed`] = r.meta.count;
      counts[`${c.key}indexReused`] = r.reused ? 1 : 0;
      for (const [role, f] of Object.entries(r.files)) files[c.key ? `titles_${role}` : role] = c.prefix + f;
      const facts = { space: r.meta.space, native: r.meta.native, buildThreads: r.meta.buildThreads ?? 1, insertOrder: r.meta.insertOrder ?? 'row', M: r.meta.M, efConstruction: r.meta.efConstruction, ef: r.meta.ef, searchEf: r.meta.searchEf, seed: r.meta.seed, dims: r.meta.dims, count: r.meta.count, buildMs: r.buildMs, reused: r.reused, shards: r.meta.shards ?? 1, repair: r.meta.repair ?? null, similarLists: r.similar ?? null };
      if (c.corpus === 'movies') Object.assign(info, facts);
      else info.titles = facts;
    }
    return { counts, files, info };
  });
}

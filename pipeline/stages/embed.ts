import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FILES, readStageResult } from '../artifacts/store.js';
import { countLines } from '../artifacts/files.js';
import { runTask } from '../embed/thread.js';
import { selectEmbedder } from '../embedders/select.js';
import { TITLE_CATALOG_OPTIONS } from '../embedders/title-doc.js';
import { PLATFORM_FILES } from '../platforms/types.js';
import { timedStage, type StageContext } from './context.js';
import type { StageResult } from '../types.js';

/**
 * Embed stage: one vector per movie of catalog.jsonl and one per platform title of
 * platforms/titles.jsonl (written under platforms/), each corpus by the configured embedder (auto
 * picks transformers when its weights are available, else the catalog embedder, fitted per corpus).
 * The work runs off this event loop: the catalog embedder in a worker thread, the transformers
 * embedder in a child process (see embed/thread.ts for why); vectors of unchanged docs come from the
 * cross-version cache. An empty corpus (a family absent from the input) is skipped and said so.
 */
export async function runEmbed(ctx: StageContext): Promise<StageResult> {
  return timedStage('embed', async () => {
    const { config } = ctx;
    const sel = selectEmbedder(config.embedder, config.modelDir, config.modelId, config.allowRemoteModels);
    const where = sel.id === 'transformers' ? 'process' : 'thread';
    const corpora = [
      { corpus: 'movies' as const, file: path.join(ctx.dir, FILES.catalog), dir: ctx.dir, unit: 'movies', prefix: '' },
      { corpus: 'titles' as const, file: path.join(ctx.dir, PLATFORM_FILES.titles), dir: path.join(ctx.dir, PLATFORM_FILES.dir), unit: 'titles', prefix: 'platforms/' },
    ];
    const counts: Record<string, number> = {};
    const files: Record<string, string> = {};
    const info: Record<string, unknown> = {};
    // the movies counted by transform (catalog.jsonl may not be written; counting its lines took 3 s at 10^6)
    const published = (await readStageResult(ctx.dir, 'transform'))?.counts?.movies_published;
    for (const c of corpora) {
      const n = c.corpus === 'movies' && published !== undefined ? published : existsSync(c.file) ? await countLines(c.file) : 0;
      const key = c.corpus === 'movies' ? '' : 'titles_';
      if (n === 0) {
        ctx.log.info({ corpus: c.corpus }, `nothing to embed: no ${c.unit} in this version`);
        counts[`${key}embeddings`] = 0;
        info[c.corpus] = { skipped: `no ${c.unit}` };
        continue;
      }
      await mkdir(c.dir, { recursive: true });
      const { result: r, childPeakRssBytes } = await runTask(
        {
          kind: 'embed',
          job: {
            dir: c.dir,
            corpus: c.corpus,
            catalogFile: c.file,
            artifactsDir: config.artifactsDir,
            choice: config.embedder,
            modelDir: config.modelDir,
            modelId: config.modelId,
            allowRemoteModels: config.allowRemoteModels,
            ...(c.corpus === 'titles' && { catalogOptions: TITLE_CATALOG_OPTIONS }),
          },
        },
        {
          signal: ctx.signal,
          progress: (done, total, message) => ctx.progress({ stage: 'embed', done, total, unit: c.unit, message }),
          log: (level, msg, fields) => ctx.log[level]({ corpus: c.corpus, ...fields }, msg),
        },
        where,
      );
      ctx.log.info({ corpus: c.corpus, embedder: r.embedder, reason: r.reason, dims: r.spec.dims, embedded: r.embedded, reused: r.reused }, 'embeddings written');
      counts[`${key}embedded`] = r.embedded;
      counts[`${key}embeddingsReused`] = r.reused;
      counts[`${key}embeddings`] = r.movies;
      for (const [role, f] of Object.entries(r.files)) files[c.corpus === 'movies' ? role : `titles_${role}`] = c.prefix + f;
      const facts = {
        embedder: r.embedder,
        reason: r.reason,
        fingerprint: r.spec.fingerprint,
        dims: r.spec.dims,
        modelId: r.spec.modelId ?? null,
        quantized: r.spec.quantized ?? null,
        maxTokens: r.spec.maxTokens ?? null,
        docs: r.movies,
        embedded: r.embedded,
        reused: r.reused,
        fitReused: r.fitReused ?? null,
        fitMs: r.fitMs,
        embedMs: r.embedMs,
        ranIn: where === 'process' ? 'child process' : 'worker thread',
        childPeakRssBytes: childPeakRssBytes ?? null,
      };
      // the movie corpus' facts stay at the top level, where earlier versions had them
      if (c.corpus === 'movies') Object.assign(info, facts, { movies: r.movies });
      else info.titles = facts;
    }
    return { counts, files, info };
  });
}

import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Manifest } from './types.js';
import { newRunContext, type Progress } from './stages/context.js';
import { BUILD_STAGES, STAGE_FNS } from './stages/registry.js';
import { discardUnpublished, publishVersion, pruneVersions, writeStageResult } from './artifacts/store.js';

export interface InlineOptions {
  onProgress?: (p: Progress) => void;
  log?: Logger;
  runId?: string;
}

export interface InlineResult {
  runId: string;
  version: string;
  dir: string;
  manifest: Manifest;
  pruned: string[];
}

/** Runs every stage in-process and publishes: the embedded default, no Redis needed. */
export async function runInline(config: Config, opts: InlineOptions = {}): Promise<InlineResult> {
  const ctx = await newRunContext(config, { runId: opts.runId, log: opts.log, onProgress: opts.onProgress });
  const { runId, version, dir, log } = ctx;
  log.info({ runId, version, dataDir: config.dataDir }, 'inline run started');
  let manifest: Manifest;
  try {
    for (const stage of BUILD_STAGES) {
      const result = await STAGE_FNS[stage](ctx);
      await writeStageResult(dir, result);
      log.info({ stage, ms: result.ms, counts: result.counts }, 'stage done');
    }
    manifest = await publishVersion(config.artifactsDir, version, runId, undefined, { keepIntermediates: config.keepIntermediates });
  } catch (err) {
    // nothing was published: leave no half-built version dir behind
    if (await discardUnpublished(config.artifactsDir, version).catch(() => false)) log.info({ version }, 'removed the unpublished version dir of the failed run');
    throw err;
  }
  const pruned = await pruneVersions(config.artifactsDir, config.keepVersions);
  log.info({ version, pruned }, 'published');
  return { runId, version, dir, manifest, pruned };
}

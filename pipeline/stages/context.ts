import type { Config } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { newRunId, newVersionId, prepareVersionDir } from '../artifacts/store.js';
import type { StageName, StageResult } from '../types.js';

export interface Progress {
  stage: StageName;
  done: number;
  total?: number;
  /** what `done` counts: rows, movies, vectors, ... */
  unit: string;
  message?: string;
}

/**
 * Everything a stage needs. Stages read their inputs from, and write their outputs to, `dir`
 * (the version dir being built); they know nothing of queues or RPCs, so workers and the
 * inline runner call them the same way. Re-running a stage rewrites only its own outputs.
 */
export interface StageContext {
  config: Config;
  runId: string;
  version: string;
  /** the version dir being built */
  dir: string;
  log: Logger;
  progress: (p: Progress) => void;
  signal?: AbortSignal;
  /** transform: movies joined in memory at once (default MOVIES_PER_PARTITION); small in tests to exercise several partitions */
  moviesPerPartition?: number;
}

export type StageFn = (ctx: StageContext) => Promise<StageResult>;

/** Peak resident set size of this process so far, in bytes. */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** What a stage's body returns; timedStage adds the common fields. */
export type StageBody = Omit<StageResult, 'stage' | 'startedAt' | 'ms' | 'peakRssBytes'>;

/** Runs `body`, timing it and filling the common StageResult fields. */
export async function timedStage(stage: StageName, body: () => Promise<StageBody>): Promise<StageResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const r = await body();
  return { stage, startedAt, ms: Math.round(performance.now() - t0), peakRssBytes: peakRssBytes(), ...r };
}

/** A fresh run: a new run id, a new (unpublished) version dir, and the context its stages share. */
export async function newRunContext(
  config: Config,
  opts: { runId?: string; now?: Date; log?: Logger; onProgress?: (p: Progress) => void } = {},
): Promise<StageContext> {
  const runId = opts.runId ?? newRunId();
  const version = newVersionId(runId, opts.now);
  const dir = await prepareVersionDir(config.artifactsDir, version);
  return {
    config,
    runId,
    version,
    dir,
    log: opts.log ?? createLogger('pipeline', config.logLevel),
    progress: opts.onProgress ?? (() => {}),
  };
}

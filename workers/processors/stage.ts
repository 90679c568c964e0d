// The body of a build-stage job, the same whether it runs in the worker process or in a sandboxed
// child: run the registry's stage function on the version dir named by the job, record its result
// next to it, report progress through the job. Re-running it rewrites that stage's outputs only.
import type { Redis } from 'ioredis';
import { loadConfig } from '../../pipeline/config.js';
import type { Logger } from '../../pipeline/log.js';
import { prepareVersionDir, writeStageResult } from '../../pipeline/artifacts/store.js';
import type { Progress, StageContext } from '../../pipeline/stages/context.js';
import { BUILD_STAGES, STAGE_FNS } from '../../pipeline/stages/registry.js';
import type { StageName, StageResult } from '../../pipeline/types.js';
import type { StagePayload } from '../flow.js';
import { delayHook, failOnceHook } from '../test-hooks.js';

type BuildStage = (typeof BUILD_STAGES)[number];

/** What both a BullMQ Job and a SandboxedJob offer. */
export interface StageJob {
  id?: string;
  queueName: string;
  data: StagePayload;
  attemptsMade: number;
  prefix?: string;
  updateProgress(value: object): Promise<void>;
}

/** The job's return value: small (it lives in Redis); the full result is stages/<stage>.json. */
export interface StageSummary {
  stage: StageName;
  startedAt: string;
  ms: number;
  counts?: Record<string, number>;
}

export function isBuildStage(s: string): s is BuildStage {
  return (BUILD_STAGES as string[]).includes(s);
}

/** Calls `send` at most every `ms`, but always for the first and the final update of a stage. */
export function throttleProgress(send: (p: Progress) => void, ms = 250): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    const final = p.total !== undefined && p.done >= p.total;
    if (last === 0 || final || now - last >= ms) {
      last = now;
      send(p);
    }
  };
}

export async function runStageJob(
  job: StageJob,
  deps: { log: Logger; prefix: string; redis: () => Promise<Redis>; signal?: AbortSignal },
): Promise<StageSummary> {
  const stage = job.queueName;
  if (!isBuildStage(stage)) throw new Error(`queue ${stage} is not a build stage`);
  const { runId, version, dir, artifactsDir, dataDir } = job.data;
  const attempt = job.attemptsMade + 1;
  const log = deps.log.child({ runId, version, stage, attempt });
  // The worker's own environment decides how (embedder, model dir); the job decides where.
  const config = loadConfig({ dataDir, artifactsDir });
  await prepareVersionDir(artifactsDir, version);
  const progress = throttleProgress((p) => {
    job.updateProgress({ ...p }).catch((err: Error) => log.warn({ err: err.message }, 'progress update failed'));
  });
  await failOnceHook(stage, runId, deps.prefix, deps.redis);
  await delayHook(stage, progress, deps.signal);
  const ctx: StageContext = { config, runId, version, dir, log, progress, signal: deps.signal };
  log.info('stage started');
  const result: StageResult = await STAGE_FNS[stage](ctx);
  await writeStageResult(dir, result);
  log.info({ ms: result.ms, counts: result.counts }, 'stage done');
  return { stage, startedAt: result.startedAt, ms: result.ms, counts: result.counts };
}

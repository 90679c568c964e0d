// BullMQ sandboxed processor: BullMQ forks a child process that imports this file and runs each job
// of the stage here, so a long CPU-bound stage (embed) never blocks the worker's event loop and its
// lock renewal. The child inherits the worker's execArgv (the tsx loader: see sandbox.ts) and env.
import type { SandboxedJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger } from '../../pipeline/log.js';
import { loadConfig } from '../../pipeline/config.js';
import { workerRedis } from '../redis.js';
import type { StagePayload } from '../flow.js';
import { runStageJob, type StageSummary } from './stage.js';

// When the worker process dies (even by SIGKILL) the IPC channel closes: stop at once rather than
// keep writing into a version dir that the job's next holder is about to rewrite.
process.once('disconnect', () => process.exit(1));

const log = createLogger('worker-sandbox');
let redis: Redis | undefined;

async function lazyRedis(): Promise<Redis> {
  redis ??= workerRedis(loadConfig().redisUrl, 'marquee-sandbox');
  return redis;
}

export default async function processSandboxed(
  job: SandboxedJob<StagePayload, StageSummary>,
  _token?: string,
  signal?: AbortSignal,
): Promise<StageSummary> {
  return runStageJob(job, {
    log: log.child({ pid: process.pid, sandboxed: true }),
    prefix: job.prefix ?? process.env.MARQUEE_QUEUE_PREFIX ?? 'marquee',
    redis: lazyRedis,
    signal,
  });
}

// The workers of one process: one BullMQ Worker per chosen queue, each with its own concurrency.
import os from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../pipeline/config.js';
import type { Logger } from '../pipeline/log.js';
import type { StageName } from '../pipeline/types.js';
import { attachBookkeeping } from './bookkeeping.js';
import type { StagePayload } from './flow.js';
import type { WorkerMetrics } from './metrics.js';
import { REBUILD_QUEUE } from './names.js';
import type { Orchestrator } from './orchestrator.js';
import { runPublishJob } from './processors/publish.js';
import { runStageJob, type StageSummary } from './processors/stage.js';
import { workerRedis } from './redis.js';
import { RunStore } from './runs.js';
import { SANDBOXED_PROCESSOR, sandboxForkOptions } from './sandbox.js';
import type { OrchestrationSettings, WorkerSettings } from './settings.js';

export interface WorkerPool {
  name: string;
  workers: Worker[];
  /** jobs being processed by this process right now */
  activeJobs(): Job[];
  /** lets active jobs finish (worker.close()), waiting at most `graceMs`; then hands the rest back */
  shutdown(graceMs: number): Promise<{ handedBack: number }>;
  /** puts every active job back in its queue at once, for another worker to take */
  handBack(): Promise<number>;
}

export interface PoolDeps {
  config: Config;
  orchestration: OrchestrationSettings;
  workers: WorkerSettings;
  /** used by the rebuild (schedule) queue to start runs through the single-run guard */
  orchestrator: Orchestrator;
  log: Logger;
  /** per-stage job outcomes and durations (workers/metrics.ts) */
  metrics?: WorkerMetrics;
}

export function startWorkerPool(deps: PoolDeps): WorkerPool {
  const { config, orchestration: os_, workers: ws, log } = deps;
  const name = `${os.hostname()}:${process.pid}`;
  const prefix = os_.prefix;
  const connection: Redis = workerRedis(config.redisUrl, `marquee-worker:${name}`);
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis connection error (retrying)'));
  const store = new RunStore(connection, prefix, os_.runsKeep);
  const active = new Map<string, Job>();
  const workers: Worker[] = [];

  const common = (stage: string) => ({
    connection,
    prefix,
    name,
    concurrency: ws.concurrency[stage as keyof typeof ws.concurrency] ?? 1,
    lockDuration: ws.lockDurationMs,
    stalledInterval: ws.stalledIntervalMs,
    maxStalledCount: ws.maxStalledCount,
  });

  for (const stage of ws.stages) {
    let worker: Worker;
    if (stage === REBUILD_QUEUE) {
      // scheduled triggers: a run is started only if none is in progress
      worker = new Worker(
        REBUILD_QUEUE,
        async (job: Job<{ trigger?: string }>) => {
          const { run, created } = await deps.orchestrator.startRebuild(job.data?.trigger ?? 'schedule');
          log.info({ runId: run.id, created }, created ? 'scheduled rebuild started' : 'scheduled rebuild skipped: a run is in progress');
          return { runId: run.id, created };
        },
        { ...common(stage), concurrency: 1 },
      );
    } else if (stage === 'publish') {
      worker = new Worker<StagePayload>(stage, (job) => runPublishJob(job, { redis: connection, store, prefix, log }), common(stage));
    } else if (ws.sandboxed.includes(stage)) {
      worker = new Worker<StagePayload, StageSummary>(stage, SANDBOXED_PROCESSOR, {
        ...common(stage),
        useWorkerThreads: false,
        workerForkOptions: sandboxForkOptions(),
      });
    } else {
      worker = new Worker<StagePayload, StageSummary>(
        stage,
        (job, _token, signal) => runStageJob(job, { log, prefix, redis: async () => connection, signal }),
        common(stage),
      );
    }
    worker.on('error', (err) => log.warn({ stage, err: err.message }, 'worker error'));
    deps.metrics?.watch(stage, worker);
    if (stage !== REBUILD_QUEUE) attachBookkeeping(worker as Worker<StagePayload, StageSummary>, stage as StageName, store, name, log);
    worker.on('active', (job) => active.set(`${stage}:${job.id}`, job));
    worker.on('completed', (job) => active.delete(`${stage}:${job.id}`));
    worker.on('failed', (job) => job && active.delete(`${stage}:${job.id}`));
    workers.push(worker);
  }
  log.info(
    { worker: name, prefix, stages: ws.stages, sandboxed: ws.sandboxed.filter((s) => ws.stages.includes(s)), concurrency: ws.concurrency },
    'workers started',
  );

  const handBack = async (): Promise<number> => {
    let n = 0;
    for (const job of active.values()) {
      try {
        // back to wait right away (lock dropped), instead of waiting for the stalled check
        await job.moveToWait(job.token);
        n++;
        if (job.queueName !== REBUILD_QUEUE) await store.stageHandedBack((job.data as StagePayload).runId, job.queueName as StageName).catch(() => {});
        log.warn({ jobId: job.id, queue: job.queueName }, 'handed the job back to its queue');
      } catch (err) {
        log.warn({ jobId: job.id, err: (err as Error).message }, 'could not hand the job back; it will be recovered as stalled');
      }
    }
    active.clear();
    return n;
  };

  return {
    name,
    workers,
    activeJobs: () => [...active.values()],
    handBack,
    async shutdown(graceMs: number) {
      let timer: NodeJS.Timeout | undefined;
      const closing = Promise.all(workers.map((w) => w.close())).then(() => 'closed' as const);
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
      const outcome = await Promise.race([closing, timeout]);
      clearTimeout(timer);
      const handedBack = outcome === 'timeout' ? await handBack() : 0;
      connection.disconnect();
      return { handedBack };
    },
  };
}

// The workers' Prometheus metrics, at GET /metrics on MARQUEE_WORKER_METRICS_ADDR (default
// 0.0.0.0:9464; `off` for none): per-stage job durations and outcomes as this process saw them,
// and queue depths (waiting, active, failed, delayed) from BullMQ's own counts, read at scrape time
// (every worker process reports the same depths: the queues are shared; sum by worker, not by
// queue). A busy port is logged, not fatal: metrics must never stop a worker.
import { createServer, type Server } from 'node:http';
import type { Job, Queue, Worker } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { checkListenAddr } from '../pipeline/config.js';
import type { Logger } from '../pipeline/log.js';

export const QUEUE_STATES = ['waiting', 'active', 'failed', 'delayed'] as const;

/** Seconds: a warm extract takes a few, a cold embed of a million titles tens of minutes. */
const BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

export interface WorkerMetrics {
  registry: Registry;
  /** follows a worker's job outcomes */
  watch(stage: string, worker: Worker): void;
  close(): Promise<void>;
}

export function workerMetricsAddr(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.MARQUEE_WORKER_METRICS_ADDR ?? '0.0.0.0:9464';
  return v === 'off' ? null : checkListenAddr('MARQUEE_WORKER_METRICS_ADDR', v, '0.0.0.0:9464 (or off)');
}

export function createWorkerMetrics(queues: () => Queue[]): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'marquee_worker_' });
  const jobs = new Counter({
    name: 'marquee_stage_jobs_total',
    help: 'Stage jobs this worker process finished, by stage and outcome (completed; failed: no attempts left; retried: failed, another attempt follows)',
    labelNames: ['stage', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'marquee_stage_duration_seconds',
    help: 'Time a stage job ran on this worker (BullMQ processedOn to finishedOn), by stage and outcome',
    labelNames: ['stage', 'outcome'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'marquee_queue_jobs',
    help: "Jobs in each pipeline queue by state, from BullMQ's counts at scrape time (the same for every worker process)",
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues().map(async (q) => {
          const counts = await q.getJobCounts(...QUEUE_STATES).catch(() => null);
          if (!counts) return; // Redis away: no sample rather than a wrong zero
          for (const s of QUEUE_STATES) this.set({ queue: q.name, state: s }, counts[s] ?? 0);
        }),
      );
    },
  });

  const seconds = (job: Job) => (job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0);
  return {
    registry,
    watch(stage, worker) {
      worker.on('completed', (job) => {
        jobs.inc({ stage, outcome: 'completed' });
        duration.observe({ stage, outcome: 'completed' }, seconds(job));
      });
      worker.on('failed', (job) => {
        if (!job) return;
        const outcome = job.attemptsMade < (job.opts.attempts ?? 1) ? 'retried' : 'failed';
        jobs.inc({ stage, outcome });
        duration.observe({ stage, outcome }, seconds(job));
      });
    },
    close: async () => undefined,
  };
}

/** Serves GET /metrics; resolves once listening (or once a busy port has been logged). */
export async function serveWorkerMetrics(metrics: WorkerMetrics, addr: string, log: Logger): Promise<Server | null> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  const m = /^(.*):(\d+)$/.exec(addr)!;
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      log.warn({ addr, err: err.code ?? err.message }, 'worker metrics not served: MARQUEE_WORKER_METRICS_ADDR is not available (set another address, or off)');
      resolve(null);
    });
    server.listen(Number(m[2]), m[1].replace(/^\[(.*)\]$/, '$1'), () => {
      const a = server.address();
      log.info({ addr: typeof a === 'object' && a ? `${m[1]}:${a.port}` : addr }, 'worker metrics at /metrics');
      resolve(server);
    });
  });
}

// `npm run workers -- [--stages extract,transform] [--concurrency embed=2]`: the worker processes.
// One entry point runs every stage queue or a chosen subset, so stages can be scaled out on other
// hosts against the same Redis and the same shared artifacts storage.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../pipeline/config.js';
import { createLogger } from '../pipeline/log.js';
import { createWorkerMetrics, serveWorkerMetrics, workerMetricsAddr } from './metrics.js';
import { QUEUE_STAGES, REBUILD_QUEUE } from './names.js';
import { Orchestrator } from './orchestrator.js';
import { startWorkerPool } from './pool.js';
import { redactRedisUrl, workerRedis } from './redis.js';
import { getSchedule, removeSchedule, setSchedule } from './schedule.js';
import { loadOrchestrationSettings, loadWorkerSettings } from './settings.js';

export const WORKERS_USAGE = `npm run workers -- [options]
  Consumes the pipeline queues (BullMQ on REDIS_URL) until SIGTERM/SIGINT.
  --stages LIST        queues to consume: extract,transform,eda,embed,index,publish,rebuild
                       (env MARQUEE_STAGES; default all)
  --concurrency SPEC   jobs in parallel: N for every stage, or embed=2,eda=1
                       (env MARQUEE_CONCURRENCY, MARQUEE_CONCURRENCY_<STAGE>; default 1)
  --sandboxed LIST     stages run in a forked child process (env MARQUEE_SANDBOXED; default embed)
Environment: REDIS_URL, MARQUEE_QUEUE_PREFIX (default marquee), MARQUEE_EMBEDDER, MARQUEE_MODEL_DIR,
  MARQUEE_LOCK_DURATION_MS (60000), MARQUEE_STALLED_INTERVAL_MS (30000), MARQUEE_MAX_STALLED (2),
  MARQUEE_SHUTDOWN_GRACE_MS (600000), MARQUEE_REBUILD_CRON ('0 3 * * *'; 'off' removes the schedule),
  MARQUEE_REBUILD_TZ, MARQUEE_WORKER_METRICS_ADDR (Prometheus /metrics; default 0.0.0.0:9464, off).
  Retries (set where runs are triggered): MARQUEE_ATTEMPTS (3), MARQUEE_BACKOFF_MS (5000).`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stages: { type: 'string' },
      concurrency: { type: 'string' },
      sandboxed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(WORKERS_USAGE);
    return 0;
  }
  const config = loadConfig();
  const orchestration = loadOrchestrationSettings();
  const workers = loadWorkerSettings({ stages: values.stages, concurrency: values.concurrency, sandboxed: values.sandboxed });
  const log = createLogger('workers', config.logLevel).child({ pid: process.pid });
  log.info({ redis: redactRedisUrl(config.redisUrl), artifactsDir: config.artifactsDir }, 'starting workers');

  const orchRedis = workerRedis(config.redisUrl, 'marquee-orchestrator');
  orchRedis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error (retrying)'));
  const orchestrator = new Orchestrator(orchRedis, config, orchestration, (err) =>
    log.warn({ err: err.message }, 'queue error'),
  );

  if (workers.stages.includes(REBUILD_QUEUE) && workers.rebuildCron) {
    const q = orchestrator.queue(REBUILD_QUEUE);
    if (workers.rebuildCron === 'off') {
      log.info({ removed: await removeSchedule(q) }, 'rebuild schedule removed (MARQUEE_REBUILD_CRON=off)');
    } else {
      try {
        const s = await setSchedule(q, workers.rebuildCron, workers.rebuildTz);
        log.info(s, 'rebuild schedule set (MARQUEE_REBUILD_CRON)');
      } catch (err) {
        throw new ConfigError(`MARQUEE_REBUILD_CRON=${JSON.stringify(workers.rebuildCron)}: ${(err as Error).message}`);
      }
    }
  } else if (workers.stages.includes(REBUILD_QUEUE)) {
    const s = await getSchedule(orchestrator.queue(REBUILD_QUEUE)).catch(() => null);
    if (s) log.info(s, 'rebuild schedule in force');
  }

  const metricsAddr = workerMetricsAddr();
  // queue depths of every queue, whichever this process consumes: one scrape target sees them all
  const metrics = createWorkerMetrics(() => QUEUE_STAGES.map((s) => orchestrator.queue(s)));
  const metricsServer = metricsAddr ? await serveWorkerMetrics(metrics, metricsAddr, log) : null;
  const pool = startWorkerPool({ config, orchestration, workers, orchestrator, log, metrics });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        // a second signal: do not wait any longer, hand the jobs back and go
        log.warn({ signal }, 'second signal: handing active jobs back now');
        await pool.handBack();
        resolve(0);
        return;
      }
      stopping = true;
      log.info({ signal, active: pool.activeJobs().map((j) => `${j.queueName}/${j.id}`), graceMs: workers.shutdownGraceMs },
        'shutting down: letting active jobs finish');
      const { handedBack } = await pool.shutdown(workers.shutdownGraceMs);
      metricsServer?.close();
      await orchestrator.close();
      orchRedis.disconnect();
      log.info({ handedBack }, 'workers stopped');
      resolve(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof ConfigError || (err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    console.error(known ? `error: ${(err as Error).message}` : err);
    process.exit(known ? 2 : 1);
  },
);

// Orchestration settings from the environment (each also a flag of `npm run workers` where it makes
// sense). Validated at start-up with messages that name the variable, like pipeline/config.ts.
import { ConfigError } from '../pipeline/config.js';
import { QUEUE_STAGES, type QueueStage } from './names.js';

export interface OrchestrationSettings {
  /** BullMQ key prefix; every queue, run record and channel lives under it (env MARQUEE_QUEUE_PREFIX) */
  prefix: string;
  /** attempts per stage job, retries included (env MARQUEE_ATTEMPTS, MARQUEE_ATTEMPTS_<STAGE>) */
  attempts: Record<QueueStage, number>;
  /** first retry delay; doubles each retry (env MARQUEE_BACKOFF_MS) */
  backoffMs: number;
  /** run records kept in Redis (env MARQUEE_RUNS_KEEP) */
  runsKeep: number;
}

export interface WorkerSettings {
  /** queues this process consumes (env MARQUEE_STAGES, flag --stages; default all) */
  stages: QueueStage[];
  /** jobs processed in parallel per stage (env MARQUEE_CONCURRENCY=embed=2,eda=1 or MARQUEE_CONCURRENCY_<STAGE>) */
  concurrency: Record<QueueStage, number>;
  /** stages run as BullMQ sandboxed processors in a child process (env MARQUEE_SANDBOXED; default transform,eda,embed) */
  sandboxed: QueueStage[];
  /** job lock; renewed at half of it (env MARQUEE_LOCK_DURATION_MS) */
  lockDurationMs: number;
  /** how often a worker looks for jobs whose lock expired (env MARQUEE_STALLED_INTERVAL_MS) */
  stalledIntervalMs: number;
  /** stalls tolerated before a job fails (env MARQUEE_MAX_STALLED) */
  maxStalledCount: number;
  /** SIGTERM waits this long for active jobs, then hands them back to the queue (env MARQUEE_SHUTDOWN_GRACE_MS) */
  shutdownGraceMs: number;
  /** cron pattern of the periodic rebuild; '' leaves the schedule as it is, 'off' removes it (env MARQUEE_REBUILD_CRON) */
  rebuildCron: string | undefined;
  /** time zone of the cron pattern (env MARQUEE_REBUILD_TZ) */
  rebuildTz: string | undefined;
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${JSON.stringify(v)} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/** "embed,eda" -> ['embed','eda'], validating names; 'all' or '' -> every stage. */
export function parseStageList(name: string, v: string | undefined, dflt: readonly QueueStage[]): QueueStage[] {
  if (v === undefined) return [...dflt];
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'all')) return [...QUEUE_STAGES];
  if (parts.length === 1 && parts[0] === 'none') return [];
  for (const p of parts) {
    if (!(QUEUE_STAGES as readonly string[]).includes(p)) {
      throw new ConfigError(`${name}: unknown stage ${JSON.stringify(p)}; use a comma list of ${QUEUE_STAGES.join(', ')}`);
    }
  }
  return [...new Set(parts)] as QueueStage[];
}

/** "embed=2,eda=1" (or a bare number for every stage) over MARQUEE_<NAME>_<STAGE> over the default. */
function perStage(
  env: NodeJS.ProcessEnv,
  name: string,
  list: string | undefined,
  dflt: number,
  min: number,
  max: number,
): Record<QueueStage, number> {
  const out = Object.fromEntries(QUEUE_STAGES.map((s) => [s, dflt])) as Record<QueueStage, number>;
  const check = (label: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${label}=${JSON.stringify(v)} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
  for (const s of QUEUE_STAGES) {
    const v = env[`${name}_${s.toUpperCase()}`];
    if (v !== undefined && v !== '') out[s] = check(`${name}_${s.toUpperCase()}`, v);
  }
  if (list !== undefined && list !== '') {
    for (const part of list.split(',').map((p) => p.trim()).filter(Boolean)) {
      const m = /^([a-z]+)=(.+)$/.exec(part);
      if (!m) {
        const n = check(name, part);
        for (const s of QUEUE_STAGES) out[s] = n;
        continue;
      }
      if (!(QUEUE_STAGES as readonly string[]).includes(m[1])) {
        throw new ConfigError(`${name}: unknown stage ${JSON.stringify(m[1])}; use stage=N with ${QUEUE_STAGES.join(', ')}`);
      }
      out[m[1] as QueueStage] = check(`${name} (${m[1]})`, m[2]);
    }
  }
  return out;
}

export function loadOrchestrationSettings(env: NodeJS.ProcessEnv = process.env): OrchestrationSettings {
  const prefix = env.MARQUEE_QUEUE_PREFIX || 'marquee';
  // braces allowed: a Redis Cluster needs a hash tag such as {marquee} to keep a queue's keys together
  if (!/^[\w.{}-]+$/.test(prefix)) {
    throw new ConfigError(`MARQUEE_QUEUE_PREFIX=${JSON.stringify(prefix)} may hold only letters, digits, '_', '.', '-', '{', '}'`);
  }
  return {
    prefix,
    attempts: perStage(env, 'MARQUEE_ATTEMPTS', env.MARQUEE_ATTEMPTS, 3, 1, 100),
    backoffMs: int(env, 'MARQUEE_BACKOFF_MS', 5000, 0, 3_600_000),
    runsKeep: int(env, 'MARQUEE_RUNS_KEEP', 50, 1, 10_000),
  };
}

export const DEFAULT_SANDBOXED: readonly QueueStage[] = ['transform', 'eda', 'embed'];

export interface WorkerFlags {
  stages?: string;
  concurrency?: string;
  sandboxed?: string;
}

export function loadWorkerSettings(flags: WorkerFlags = {}, env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const cron = env.MARQUEE_REBUILD_CRON;
  return {
    stages: parseStageList(flags.stages ? '--stages' : 'MARQUEE_STAGES', flags.stages ?? env.MARQUEE_STAGES, QUEUE_STAGES),
    concurrency: perStage(env, 'MARQUEE_CONCURRENCY', flags.concurrency ?? env.MARQUEE_CONCURRENCY, 1, 1, 64),
    // the stages with long synchronous stretches on their thread run in a child, so the worker's
    // event loop always renews its locks on time (extract and index already work on threads)
    sandboxed: parseStageList(
      flags.sandboxed ? '--sandboxed' : 'MARQUEE_SANDBOXED',
      flags.sandboxed ?? env.MARQUEE_SANDBOXED,
      DEFAULT_SANDBOXED,
    ),
    // A dead worker's job is taken over once its lock expires (5-10 s after the last renewal, which
    // comes every half of the duration) and a stall check runs (every 3 s): about 5-13 s, plus the
    // new holder's start. Heavy stages run sandboxed, so renewals are never late.
    lockDurationMs: int(env, 'MARQUEE_LOCK_DURATION_MS', 10_000, 500, 3_600_000),
    stalledIntervalMs: int(env, 'MARQUEE_STALLED_INTERVAL_MS', 3_000, 200, 3_600_000),
    maxStalledCount: int(env, 'MARQUEE_MAX_STALLED', 2, 0, 100),
    shutdownGraceMs: int(env, 'MARQUEE_SHUTDOWN_GRACE_MS', 10 * 60_000, 0, 24 * 3_600_000),
    rebuildCron: cron === undefined || cron.trim() === '' ? undefined : cron.trim(),
    rebuildTz: env.MARQUEE_REBUILD_TZ || undefined,
  };
}

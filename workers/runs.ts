// Run records: one Redis hash per rebuild run, written by the workers as jobs start, report progress,
// finish or fail, readable while the run goes on and after (the last N runs are kept).
//
// Layout (under the BullMQ prefix, see names.ts):
//   <prefix>:runs:<runId>   hash  run fields (id, status, trigger, createdAt, ...) and per stage
//                                 s.<stage>.<field> (status, attempt, progress JSON, error, ...)
//   <prefix>:runs           zset  run ids by creation time, trimmed to the last N
//   <prefix>:runs:active    string the run in progress: the single-run guard (SET NX)
//   <prefix>:runs:updates   pub/sub a run id whenever its record changes (wakes watchers)
// Each stage's fields are written by the one worker holding that stage's job, so updates are plain
// HSETs; the few transitions that must not go backwards (queued -> running -> done) are guarded in Lua.
import type { Redis } from 'ioredis';
import { STAGES, type StageName } from '../pipeline/types.js';
import type { Progress } from '../pipeline/stages/context.js';
import { runKeys } from './names.js';

/** skipped: never ran because an earlier stage failed for good */
export type StageStatus = 'waiting' | 'active' | 'completed' | 'failed' | 'skipped';
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed';
export const TERMINAL: readonly RunStatus[] = ['completed', 'failed'];

export interface StageProgress {
  done: number;
  total?: number;
  unit: string;
  message?: string;
}

export interface StageRecord {
  stage: StageName;
  status: StageStatus;
  /** the attempt in progress or last made (1-based; 0 before the first) */
  attempt: number;
  /** attempts allowed */
  maxAttempts: number;
  startedAt?: string;
  finishedAt?: string;
  ms?: number;
  progress?: StageProgress;
  /** the last error (of a failed attempt that may have been retried since) */
  error?: string;
  /** the worker (host:pid) that holds or last held the job */
  worker?: string;
  /** times the job's lock was lost and another worker took it over */
  stalls: number;
  counts?: Record<string, number>;
}

export interface RunRecord {
  id: string;
  status: RunStatus;
  /** who asked: cli, rpc, schedule */
  trigger: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  ms?: number;
  /** the version this run builds (and publishes when it completes) */
  version: string;
  artifactsDir: string;
  dataDir: string;
  /** set when the run completed */
  publishedVersion?: string;
  failedStage?: StageName;
  error?: string;
  stages: StageRecord[];
}

export interface NewRun {
  id: string;
  trigger: string;
  version: string;
  artifactsDir: string;
  dataDir: string;
  attempts: Record<StageName, number>;
}

// KEYS: run, updates channel, active key. ARGV: runId, guardField, guardMode (''|eq|in|notin),
// guardValues (comma list), release ('1' drops the active lock if it still names this run), then
// field/value pairs (an empty value deletes the field). Does nothing for a run that no longer exists.
const PATCH_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local gf, mode, gv = ARGV[2], ARGV[3], ARGV[4]
if gf ~= '' and mode ~= '' then
  local cur = redis.call('HGET', KEYS[1], gf) or ''
  if mode == 'eq' then
    if cur ~= gv then return 0 end
  else
    local found = false
    for v in string.gmatch(gv, '([^,]+)') do if v == cur then found = true end end
    if mode == 'in' and not found then return 0 end
    if mode == 'notin' and found then return 0 end
  end
end
for i = 6, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if ARGV[5] == '1' and redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1
`;

// KEYS: active, run, index, updates. ARGV: runId, createdAtMs, keep, field/value pairs.
// Takes the single-run guard and creates the record in one step; returns {1, runId} or {0, activeId}.
const START_LUA = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  return {0, redis.call('GET', KEYS[1]) or ''}
end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
local keep = tonumber(ARGV[3])
local n = redis.call('ZCARD', KEYS[3])
if n > keep then
  local old = redis.call('ZRANGE', KEYS[3], 0, n - keep - 1)
  for _, id in ipairs(old) do
    if id ~= ARGV[1] then redis.call('DEL', KEYS[3] .. ':' .. id) end
  end
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, n - keep - 1)
end
redis.call('PUBLISH', KEYS[4], ARGV[1])
return {1, ARGV[1]}
`;

// KEYS: active. ARGV: runId. Drops the guard only if it still names that run.
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Guard = { field: string; mode: 'eq' | 'in' | 'notin'; values: string[] };

const sf = (stage: StageName, field: string) => `s.${stage}.${field}`;

export class RunStore {
  readonly keys;

  constructor(
    readonly redis: Redis,
    readonly prefix: string,
    readonly keep = 50,
  ) {
    this.keys = runKeys(prefix);
  }

  /**
   * Takes the single-run guard and records a new run atomically. When another run holds the guard,
   * returns its id instead (the caller decides whether that run is still alive).
   */
  async tryStart(run: NewRun, now = new Date()): Promise<{ created: boolean; runId: string }> {
    const fields: Record<string, string> = {
      id: run.id,
      status: 'queued',
      trigger: run.trigger,
      createdAt: now.toISOString(),
      version: run.version,
      artifactsDir: run.artifactsDir,
      dataDir: run.dataDir,
    };
    for (const stage of STAGES) {
      fields[sf(stage, 'status')] = 'waiting';
      fields[sf(stage, 'attempt')] = '0';
      fields[sf(stage, 'maxAttempts')] = String(run.attempts[stage]);
    }
    const res = (await this.redis.eval(
      START_LUA,
      4,
      this.keys.active,
      this.keys.run(run.id),
      this.keys.index,
      this.keys.updates,
      run.id,
      String(now.getTime()),
      String(this.keep),
      ...Object.entries(fields).flat(),
    )) as [number, string];
    return { created: res[0] === 1, runId: res[1] };
  }

  async activeRunId(): Promise<string | null> {
    return this.redis.get(this.keys.active);
  }

  /** Drops the single-run guard if it still names `runId`. */
  async release(runId: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE_LUA, 1, this.keys.active, runId)) === 1;
  }

  private async patch(runId: string, fields: Record<string, string | number | undefined>, guard?: Guard, release = false) {
    const pairs: string[] = [];
    for (const [k, v] of Object.entries(fields)) pairs.push(k, v === undefined ? '' : String(v));
    const r = await this.redis.eval(
      PATCH_LUA,
      3,
      this.keys.run(runId),
      this.keys.updates,
      this.keys.active,
      runId,
      guard?.field ?? '',
      guard?.mode ?? '',
      guard?.values.join(',') ?? '',
      release ? '1' : '0',
      ...pairs,
    );
    return r === 1;
  }

  async stageActive(runId: string, stage: StageName, attempt: number, worker: string, at?: number): Promise<void> {
    const now = new Date(at ?? Date.now()).toISOString();
    await this.patch(runId, {
      [sf(stage, 'status')]: 'active',
      [sf(stage, 'attempt')]: attempt,
      [sf(stage, 'startedAt')]: now,
      [sf(stage, 'finishedAt')]: undefined,
      [sf(stage, 'worker')]: worker,
      [sf(stage, 'progress')]: undefined,
    });
    await this.patch(runId, { status: 'running', startedAt: now }, { field: 'status', mode: 'eq', values: ['queued'] });
  }

  async stageProgress(runId: string, stage: StageName, p: StageProgress): Promise<void> {
    // only while the stage is active: a late progress message never rewinds a finished stage
    const progress = JSON.stringify({ done: p.done, total: p.total, unit: p.unit, message: p.message });
    await this.patch(runId, { [sf(stage, 'progress')]: progress }, { field: sf(stage, 'status'), mode: 'eq', values: ['active'] });
  }

  async stageCompleted(
    runId: string,
    stage: StageName,
    r: { ms?: number; counts?: Record<string, number>; finishedAt?: string },
  ): Promise<void> {
    await this.patch(runId, {
      [sf(stage, 'status')]: 'completed',
      [sf(stage, 'finishedAt')]: r.finishedAt ?? new Date().toISOString(),
      [sf(stage, 'ms')]: r.ms,
      [sf(stage, 'counts')]: r.counts ? JSON.stringify(r.counts) : undefined,
    });
  }

  /** A failed attempt that BullMQ will retry: back to waiting, keeping the error for the record. */
  async stageRetrying(runId: string, stage: StageName, attempt: number, error: string): Promise<void> {
    await this.patch(
      runId,
      { [sf(stage, 'status')]: 'waiting', [sf(stage, 'error')]: error, [sf(stage, 'finishedAt')]: new Date().toISOString() },
      { field: sf(stage, 'attempt'), mode: 'eq', values: [String(attempt)] },
    );
  }

  /** The worker stopped before finishing and put the job back in its queue: waiting for another worker. */
  async stageHandedBack(runId: string, stage: StageName): Promise<void> {
    await this.patch(
      runId,
      { [sf(stage, 'status')]: 'waiting', [sf(stage, 'progress')]: undefined },
      { field: sf(stage, 'status'), mode: 'eq', values: ['active'] },
    );
  }

  /** A stage that will not run (an earlier one failed); never overwrites a finished stage. */
  async stageSkipped(runId: string, stage: StageName): Promise<void> {
    await this.patch(runId, { [sf(stage, 'status')]: 'skipped' }, { field: sf(stage, 'status'), mode: 'in', values: ['waiting', 'active'] });
  }

  async stageStalled(runId: string, stage: StageName): Promise<void> {
    const key = this.keys.run(runId);
    if (await this.redis.exists(key)) {
      await this.redis.hincrby(key, sf(stage, 'stalls'), 1);
      await this.redis.publish(this.keys.updates, runId);
    }
  }

  /** The run failed for good at `stage` (its last attempt failed, or its job vanished). */
  async runFailed(runId: string, stage: StageName, error: string): Promise<void> {
    const now = new Date();
    await this.patch(runId, {
      [sf(stage, 'status')]: 'failed',
      [sf(stage, 'error')]: error,
      [sf(stage, 'finishedAt')]: now.toISOString(),
    });
    const run = await this.get(runId);
    // the stages after it will never run
    for (const s of run?.stages ?? []) {
      if (s.status === 'waiting') await this.stageSkipped(runId, s.stage);
    }
    await this.patch(
      runId,
      {
        status: 'failed',
        failedStage: stage,
        error: `${stage}: ${error}`,
        finishedAt: now.toISOString(),
        ms: run ? now.getTime() - Date.parse(run.startedAt ?? run.createdAt) : undefined,
      },
      { field: 'status', mode: 'notin', values: [...TERMINAL] },
      true,
    );
  }

  async runCompleted(runId: string, publishedVersion: string): Promise<void> {
    const now = new Date();
    const run = await this.get(runId);
    await this.patch(
      runId,
      {
        status: 'completed',
        publishedVersion,
        finishedAt: now.toISOString(),
        ms: run ? now.getTime() - Date.parse(run.startedAt ?? run.createdAt) : undefined,
      },
      { field: 'status', mode: 'notin', values: [...TERMINAL] },
      true,
    );
  }

  async get(runId: string): Promise<RunRecord | null> {
    const h = await this.redis.hgetall(this.keys.run(runId));
    return h.id ? parseRun(h) : null;
  }

  /** The newest runs first. */
  async list(limit = 20): Promise<RunRecord[]> {
    const ids = await this.redis.zrevrange(this.keys.index, 0, Math.max(0, limit - 1));
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.run(id));
    const res = (await pipe.exec()) ?? [];
    return res.map(([, h]) => h as Record<string, string>).filter((h) => h && h.id).map(parseRun);
  }
}

function num(v: string | undefined): number | undefined {
  return v === undefined || v === '' ? undefined : Number(v);
}

export function parseRun(h: Record<string, string>): RunRecord {
  const stages: StageRecord[] = STAGES.map((stage) => {
    const g = (f: string) => h[sf(stage, f)];
    return {
      stage,
      status: (g('status') ?? 'waiting') as StageStatus,
      attempt: num(g('attempt')) ?? 0,
      maxAttempts: num(g('maxAttempts')) ?? 1,
      startedAt: g('startedAt'),
      finishedAt: g('finishedAt'),
      ms: num(g('ms')),
      progress: g('progress') ? (JSON.parse(g('progress')!) as StageProgress) : undefined,
      error: g('error'),
      worker: g('worker'),
      stalls: num(g('stalls')) ?? 0,
      counts: g('counts') ? (JSON.parse(g('counts')!) as Record<string, number>) : undefined,
    };
  });
  return {
    id: h.id,
    status: h.status as RunStatus,
    trigger: h.trigger ?? '',
    createdAt: h.createdAt,
    startedAt: h.startedAt,
    finishedAt: h.finishedAt,
    ms: num(h.ms),
    version: h.version,
    artifactsDir: h.artifactsDir,
    dataDir: h.dataDir,
    publishedVersion: h.publishedVersion,
    failedStage: h.failedStage as StageName | undefined,
    error: h.error,
    stages,
  };
}

export function isTerminal(run: RunRecord): boolean {
  return TERMINAL.includes(run.status);
}

/** Maps a pipeline Progress to what the record keeps. */
export function toStageProgress(p: Progress): StageProgress {
  return { done: p.done, total: p.total, unit: p.unit, message: p.message };
}

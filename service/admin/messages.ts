// Run records (workers/runs.ts) as marquee.v1 pipeline messages (proto field names in lowerCamelCase).
import type { RunRecord, StageRecord } from '../../workers/runs.js';

const RUN_STATUS = {
  queued: 'RUN_STATUS_QUEUED',
  running: 'RUN_STATUS_RUNNING',
  completed: 'RUN_STATUS_COMPLETED',
  failed: 'RUN_STATUS_FAILED',
} as const;

const STAGE_STATUS = {
  waiting: 'STAGE_STATUS_WAITING',
  active: 'STAGE_STATUS_ACTIVE',
  completed: 'STAGE_STATUS_COMPLETED',
  failed: 'STAGE_STATUS_FAILED',
  skipped: 'STAGE_STATUS_SKIPPED',
} as const;

function stageMessage(s: StageRecord) {
  const p = s.progress;
  return {
    name: s.stage,
    status: STAGE_STATUS[s.status] ?? 'STAGE_STATUS_UNSPECIFIED',
    attempt: s.attempt,
    maxAttempts: s.maxAttempts,
    startedAt: s.startedAt ?? '',
    finishedAt: s.finishedAt ?? '',
    durationMs: s.ms ?? 0,
    progress: p
      ? {
          done: p.done,
          total: p.total ?? 0,
          unit: p.unit,
          message: p.message ?? '',
          percent: p.total ? Math.min(100, (100 * p.done) / p.total) : 0,
        }
      : null,
    error: s.error ?? '',
    worker: s.worker ?? '',
    stalls: s.stalls,
    counts: s.counts ?? {},
  };
}

export function runMessage(r: RunRecord, now = Date.now()) {
  const from = r.startedAt ?? r.createdAt;
  return {
    runId: r.id,
    status: RUN_STATUS[r.status] ?? 'RUN_STATUS_UNSPECIFIED',
    trigger: r.trigger,
    createdAt: r.createdAt ?? '',
    startedAt: r.startedAt ?? '',
    finishedAt: r.finishedAt ?? '',
    durationMs: r.ms ?? (r.startedAt ? Math.max(0, now - Date.parse(from)) : 0),
    version: r.version,
    publishedVersion: r.publishedVersion ?? '',
    dataDir: r.dataDir ?? '',
    artifactsDir: r.artifactsDir ?? '',
    failedStage: r.failedStage ?? '',
    error: r.error ?? '',
    stages: r.stages.map(stageMessage),
  };
}

// Names shared by everything that talks to the queues: queue names, job ids, Redis keys, channels.
import { STAGES, type StageName } from '../pipeline/types.js';

/** One queue per pipeline stage, named after it. */
export const STAGE_QUEUES = STAGES;

/** The control queue: scheduled (cron) rebuild triggers land here and go through the single-run guard. */
export const REBUILD_QUEUE = 'rebuild' as const;

/** Everything a worker process can be told to consume (`--stages`). */
export const QUEUE_STAGES = [...STAGES, REBUILD_QUEUE] as const;
export type QueueStage = (typeof QUEUE_STAGES)[number];

export const DEFAULT_PREFIX = 'marquee';

/** Job ids are deterministic per run, so re-adding a run's flow can never create a second copy. */
export function stageJobId(runId: string, stage: StageName): string {
  return `${runId}-${stage}`;
}

export function runKeys(prefix: string) {
  return {
    /** hash: one run record */
    run: (runId: string) => `${prefix}:runs:${runId}`,
    /** sorted set of run ids by creation time (the history, trimmed to the last N) */
    index: `${prefix}:runs`,
    /** the id of the run in progress: the single-run guard (SET NX) */
    active: `${prefix}:runs:active`,
    /** pub/sub: a run id each time its record changes (wakes watchers) */
    updates: `${prefix}:runs:updates`,
    /** test hook marker: a stage already failed once on purpose in this run */
    failOnce: (runId: string, stage: string) => `${prefix}:test:fail-once:${runId}:${stage}`,
  };
}

/** pub/sub channel on which the publish stage announces a newly published version. */
export function publishedChannel(prefix: string): string {
  return `${prefix}:published`;
}

/** The message on the published channel. */
export interface PublishedMessage {
  version: string;
  runId: string;
  artifactsDir: string;
  publishedAt: string;
}

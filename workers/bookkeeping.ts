// Keeps the run records in step with the jobs: the worker's own events (active, progress, completed,
// failed, stalled) are written to the run's hash. These events fire in the worker process for both
// in-process and sandboxed processors, so stages themselves never touch Redis.
import type { Job, Worker } from 'bullmq';
import type { Logger } from '../pipeline/log.js';
import type { StageName } from '../pipeline/types.js';
import type { Progress } from '../pipeline/stages/context.js';
import type { StagePayload } from './flow.js';
import type { RunStore } from './runs.js';
import { discardUnpublished } from '../pipeline/artifacts/store.js';
import type { StageSummary } from './processors/stage.js';

function errMsg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function attachBookkeeping(
  worker: Worker<StagePayload, StageSummary>,
  stage: StageName,
  store: RunStore,
  workerName: string,
  log: Logger,
): void {
  // Each write is logged, never thrown: losing a progress line must not fail a job. Records that a
  // worker could not write are corrected from the jobs' states when the run is read (reconcile).
  const guard = (what: string, p: Promise<unknown>) =>
    p.catch((err) => log.warn({ stage, err: errMsg(err) }, `run record: ${what} not written`));

  // A stage whose child failed for good is not run: BullMQ hands it to a worker with a deferred
  // failure ("child ... failed") that fails it at once, and so on up to publish. Those stages are
  // recorded as skipped; the run already failed with the real error where it happened.
  worker.on('active', (job: Job<StagePayload>) => {
    if (job.deferredFailure) return;
    guard('active', store.stageActive(job.data.runId, stage, job.attemptsMade + 1, workerName, job.processedOn));
  });

  worker.on('progress', (job: Job<StagePayload>, p: unknown) => {
    const q = p as Partial<Progress>;
    if (typeof q !== 'object' || q === null || typeof q.done !== 'number') return;
    guard('progress', store.stageProgress(job.data.runId, stage, { done: q.done, total: q.total, unit: q.unit ?? '', message: q.message }));
  });

  worker.on('completed', (job: Job<StagePayload>, result: StageSummary) => {
    // BullMQ's own timestamps (set in Redis as the job moves), so stage times never overlap out of order
    const finishedAt = job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined;
    guard('completed', store.stageCompleted(job.data.runId, stage, { ms: result?.ms, counts: result?.counts, finishedAt }));
  });

  worker.on('failed', (job: Job<StagePayload> | undefined, err: Error) => {
    if (!job) return;
    if (job.deferredFailure) {
      guard('skipped', store.stageSkipped(job.data.runId, stage));
      return;
    }
    guard(
      'failed',
      (async () => {
        // after a failed attempt the job is either back in line (delayed/waiting: a retry) or failed for good
        const state = await job.getState();
        const attempt = job.attemptsMade;
        if (state === 'failed') {
          log.error({ runId: job.data.runId, stage, attempt, err: err.message }, 'stage failed for good; the run fails');
          await store.runFailed(job.data.runId, stage, err.message);
          // the run will never publish: leave no half-built version dir behind
          if (await discardUnpublished(job.data.artifactsDir, job.data.version)) {
            log.info({ runId: job.data.runId, version: job.data.version }, 'removed the unpublished version dir of the failed run');
          }
        } else {
          log.warn({ runId: job.data.runId, stage, attempt, state, err: err.message }, 'stage attempt failed; retrying');
          await store.stageRetrying(job.data.runId, stage, attempt, err.message);
        }
      })(),
    );
  });

  worker.on('stalled', (jobId: string) => {
    const suffix = `-${stage}`;
    log.warn({ jobId, stage }, 'stalled job (its worker stopped renewing the lock) moved back to wait');
    if (jobId.endsWith(suffix)) guard('stalled', store.stageStalled(jobId.slice(0, -suffix.length), stage));
  });
}

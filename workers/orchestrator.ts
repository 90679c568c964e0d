// The producer side of the pipeline, shared by the ops CLI, the service's admin RPCs and the
// scheduled-rebuild worker: start a rebuild (at most one at a time), read, list and watch runs.
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../pipeline/config.js';
import { newRunId, newVersionId, versionDir } from '../pipeline/artifacts/store.js';
import type { StageName } from '../pipeline/types.js';
import { FLOW_ORDER, rebuildFlow, type StagePayload } from './flow.js';
import { REBUILD_QUEUE, stageJobId } from './names.js';
import { RunStore, isTerminal, type RunRecord } from './runs.js';
import type { OrchestrationSettings } from './settings.js';

export interface StartResult {
  run: RunRecord;
  /** false when a run was already in progress: `run` is that run */
  created: boolean;
}

/** A run whose jobs cannot be found this long after creation is considered lost. */
const LOST_AFTER_MS = 60_000;

export class Orchestrator {
  readonly store: RunStore;
  private readonly queues = new Map<string, Queue>();
  private flowProducer?: FlowProducer;
  private sub?: Redis;
  private subReady?: Promise<void>;
  private readonly listeners = new Set<(runId: string) => void>();

  constructor(
    readonly redis: Redis,
    readonly config: Pick<Config, 'artifactsDir' | 'dataDir'>,
    readonly settings: OrchestrationSettings,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    this.store = new RunStore(redis, settings.prefix, settings.runsKeep);
  }

  /** a stage queue, or the rebuild (schedule) queue */
  queue(stage: StageName | typeof REBUILD_QUEUE): Queue {
    let q = this.queues.get(stage);
    if (!q) {
      q = new Queue(stage, { connection: this.redis, prefix: this.settings.prefix });
      q.on('error', this.onError);
      this.queues.set(stage, q);
    }
    return q;
  }

  private flow(): FlowProducer {
    if (!this.flowProducer) {
      this.flowProducer = new FlowProducer({ connection: this.redis, prefix: this.settings.prefix });
      this.flowProducer.on('error', this.onError);
    }
    return this.flowProducer;
  }

  /**
   * Starts a rebuild unless one is in progress, in which case that run is returned (created false).
   * The guard is a Redis SET NX taken together with the run record (one Lua script), so concurrent
   * triggers from any number of processes give one run. A guard left by a run that ended without
   * releasing it (its worker died at the wrong moment) is detected from the flow's jobs and dropped.
   */
  async startRebuild(trigger: string): Promise<StartResult> {
    for (let i = 0; i < 3; i++) {
      const runId = newRunId();
      const version = newVersionId(runId);
      const { created, runId: activeId } = await this.store.tryStart({
        id: runId,
        trigger,
        version,
        artifactsDir: this.config.artifactsDir,
        dataDir: this.config.dataDir,
        attempts: this.settings.attempts,
      });
      if (created) {
        const payload: StagePayload = {
          runId,
          version,
          dir: versionDir(this.config.artifactsDir, version),
          artifactsDir: this.config.artifactsDir,
          dataDir: this.config.dataDir,
        };
        try {
          await this.flow().add(rebuildFlow(payload, this.settings));
        } catch (err) {
          await this.store.runFailed(runId, 'extract', `could not queue the run: ${(err as Error).message}`).catch(() => {});
          throw err;
        }
        return { run: (await this.store.get(runId))!, created: true };
      }
      const active = activeId ? await this.getRun(activeId) : null;
      if (active && !isTerminal(active)) return { run: active, created: false };
      // the guard outlived its run: drop it (only if it still names that run) and try again
      await this.store.release(activeId);
    }
    throw new Error('could not take the rebuild guard (another trigger keeps winning); try again');
  }

  /** The run record, checked against the flow's jobs while the record says the run is still going. */
  async getRun(runId: string): Promise<RunRecord | null> {
    const run = await this.store.get(runId);
    if (!run || isTerminal(run)) return run;
    return (await this.reconcile(run)) ? await this.store.get(runId) : run;
  }

  /**
   * A run by id or by a unique prefix of one (4+ characters); with no id, the run in progress or
   * else the latest. Throws RunNotFoundError (with recent ids as suggestions) or AmbiguousRunError.
   */
  async findRun(idOrPrefix?: string): Promise<RunRecord> {
    const wanted = idOrPrefix?.trim() ?? '';
    if (wanted === '') {
      const id = (await this.store.activeRunId()) ?? (await this.store.list(1))[0]?.id;
      const run = id ? await this.getRun(id) : null;
      if (!run) throw new RunNotFoundError('', []);
      return run;
    }
    const exact = await this.getRun(wanted);
    if (exact) return exact;
    const recent = await this.store.list(this.settings.runsKeep);
    const matches = wanted.length >= 4 ? recent.filter((r) => r.id.startsWith(wanted)) : [];
    if (matches.length === 1) return (await this.getRun(matches[0].id)) ?? matches[0];
    if (matches.length > 1) throw new AmbiguousRunError(wanted, matches.map((r) => r.id));
    throw new RunNotFoundError(wanted, recent.slice(0, 5).map((r) => r.id));
  }

  async listRuns(limit = 20): Promise<RunRecord[]> {
    return this.store.list(limit);
  }

  /**
   * Workers write the record as they go; this covers what no worker lived to write: the root job
   * finished (completed or failed) but the record still says running, or the jobs are gone.
   * Returns whether it changed the record.
   */
  async reconcile(run: RunRecord): Promise<boolean> {
    const root = await this.queue('publish').getJobState(stageJobId(run.id, 'publish'));
    if (root === 'completed') {
      await this.store.runCompleted(run.id, run.version);
      return true;
    }
    if (root === 'failed') {
      for (const stage of FLOW_ORDER) {
        const job = await this.queue(stage).getJob(stageJobId(run.id, stage));
        if (job && (await job.getState()) === 'failed') {
          await this.store.runFailed(run.id, stage, job.failedReason || 'failed');
          return true;
        }
      }
      await this.store.runFailed(run.id, 'publish', 'the flow failed');
      return true;
    }
    if (root === 'unknown' && Date.now() - Date.parse(run.createdAt) > LOST_AFTER_MS) {
      const stage = run.stages.find((s) => s.status !== 'completed')?.stage ?? 'publish';
      await this.store.runFailed(run.id, stage, 'the run’s jobs are no longer in Redis (removed, or Redis lost its data)');
      return true;
    }
    return false;
  }

  /** Wakes `fn` with a run id whenever a run record changes (one shared subscriber per process). */
  private async subscribe(fn: (runId: string) => void): Promise<() => void> {
    if (!this.sub) {
      const sub = this.redis.duplicate({ lazyConnect: true });
      sub.on('error', this.onError);
      sub.on('message', (_ch: string, runId: string) => {
        for (const l of this.listeners) l(runId);
      });
      this.sub = sub;
      this.subReady = (async () => {
        await sub.connect();
        await sub.subscribe(this.store.keys.updates);
      })();
      this.subReady.catch(() => {
        // a later call retries with a fresh subscriber
        if (this.sub === sub) this.sub = undefined;
        sub.disconnect();
      });
    }
    await this.subReady;
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Yields the run record each time it changes, until the run ends (the final record is yielded
   * too). Woken by pub/sub, with a poll as a safety net for a missed message.
   */
  async *watchRun(runId: string, opts: { signal?: AbortSignal; pollMs?: number } = {}): AsyncGenerator<RunRecord> {
    const pollMs = opts.pollMs ?? 1000;
    let wake: (() => void) | undefined;
    const unsubscribe = await this.subscribe((id) => {
      if (id === runId) wake?.();
    });
    const onAbort = () => wake?.();
    opts.signal?.addEventListener('abort', onAbort);
    try {
      let last = '';
      while (!opts.signal?.aborted) {
        const woke = new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pollMs).unref();
        });
        const run = await this.getRun(runId);
        if (!run) throw new RunNotFoundError(runId);
        const json = JSON.stringify(run);
        if (json !== last) {
          last = json;
          yield run;
        }
        if (isTerminal(run)) return;
        await woke;
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await this.flowProducer?.close().catch(() => {});
    this.sub?.disconnect();
  }
}

export class RunNotFoundError extends Error {
  constructor(
    readonly runId: string,
    readonly recent: string[] = [],
  ) {
    super(
      runId === ''
        ? 'no run has been started yet'
        : `no run ${JSON.stringify(runId)} (only the last rebuilds are kept)${recent.length ? `; recent runs: ${recent.join(', ')}` : ''}`,
    );
    this.name = 'RunNotFoundError';
  }
}

export class AmbiguousRunError extends Error {
  constructor(
    readonly prefix: string,
    readonly candidates: string[],
  ) {
    super(`run id prefix ${JSON.stringify(prefix)} matches ${candidates.length} runs: ${candidates.join(', ')}; give more characters`);
    this.name = 'AmbiguousRunError';
  }
}

// The client side of marquee.v1.PipelineAdmin for the ops CLI (`npm run pipeline -- --server ADDR`):
// the same commands as against Redis, through the service with the admin token, so an operator
// needs neither Redis access nor its address. Answers come back as run records for the same renderer.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../../pipeline/config.js';
import type { StageName } from '../../pipeline/types.js';
import type { RunRecord, RunStatus, StageRecord, StageStatus } from '../../workers/runs.js';
import { serviceClient, type ClientAuth, type MarqueeClient } from '../client.js';

const RUN_STATUS: Record<string, RunStatus> = {
  RUN_STATUS_QUEUED: 'queued',
  RUN_STATUS_RUNNING: 'running',
  RUN_STATUS_COMPLETED: 'completed',
  RUN_STATUS_FAILED: 'failed',
};
const STAGE_STATUS: Record<string, StageStatus> = {
  STAGE_STATUS_WAITING: 'waiting',
  STAGE_STATUS_ACTIVE: 'active',
  STAGE_STATUS_COMPLETED: 'completed',
  STAGE_STATUS_FAILED: 'failed',
  STAGE_STATUS_SKIPPED: 'skipped',
};

/* eslint-disable @typescript-eslint/no-explicit-any -- proto-loader messages are untyped */
const opt = <T>(v: T | '' | 0 | null | undefined): T | undefined => (v === '' || v === null || v === undefined ? undefined : (v as T));

function stageRecord(s: any): StageRecord {
  return {
    stage: s.name as StageName,
    status: STAGE_STATUS[s.status] ?? 'waiting',
    attempt: s.attempt,
    maxAttempts: s.maxAttempts,
    startedAt: opt(s.startedAt),
    finishedAt: opt(s.finishedAt),
    ms: s.finishedAt ? s.durationMs : undefined,
    progress: s.progress ? { done: s.progress.done, total: opt(s.progress.total), unit: s.progress.unit, message: opt(s.progress.message) } : undefined,
    error: opt(s.error),
    worker: opt(s.worker),
    stalls: s.stalls,
    counts: s.counts && Object.keys(s.counts).length ? s.counts : undefined,
  };
}

/** A RunMessage (service/admin/messages.ts) back into the run record it was made from. */
export function runRecordOf(m: any): RunRecord {
  return {
    id: m.runId,
    status: RUN_STATUS[m.status] ?? 'queued',
    trigger: m.trigger,
    createdAt: m.createdAt,
    startedAt: opt(m.startedAt),
    finishedAt: opt(m.finishedAt),
    ms: m.finishedAt ? m.durationMs : undefined,
    version: m.version,
    artifactsDir: m.artifactsDir,
    dataDir: m.dataDir,
    publishedVersion: opt(m.publishedVersion),
    failedStage: opt(m.failedStage) as StageName | undefined,
    error: opt(m.error),
    stages: (m.stages ?? []).map(stageRecord),
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Token and TLS for the CLI's connection: MARQUEE_ADMIN_TOKEN, MARQUEE_TLS_CA, MARQUEE_TLS_CLIENT_CERT/KEY. */
export function remoteAuthFromEnv(env: NodeJS.ProcessEnv = process.env): ClientAuth {
  const read = (name: string) => {
    const f = env[name];
    if (!f) return undefined;
    try {
      return readFileSync(f);
    } catch (err) {
      throw new ConfigError(`${name}=${JSON.stringify(f)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const ca = read('MARQUEE_TLS_CA');
  const cert = read('MARQUEE_TLS_CLIENT_CERT');
  const key = read('MARQUEE_TLS_CLIENT_KEY');
  if (!!cert !== !!key) throw new ConfigError('MARQUEE_TLS_CLIENT_CERT and MARQUEE_TLS_CLIENT_KEY go together');
  if (cert && !ca) throw new ConfigError('a client certificate (mutual TLS) needs MARQUEE_TLS_CA, the CA that signed the server certificate');
  return { token: env.MARQUEE_ADMIN_TOKEN || null, tls: ca ? { ca, cert, key } : null };
}

export class RemoteRunOps {
  private readonly client: MarqueeClient;

  constructor(addr: string, auth: ClientAuth) {
    this.client = serviceClient('marquee.v1.PipelineAdmin', [], addr, undefined, auth);
  }

  async startRebuild(): Promise<{ run: RunRecord; created: boolean }> {
    const r = await this.client.call('StartRebuild', {});
    return { run: runRecordOf(r.run), created: r.created };
  }

  async findRun(id?: string): Promise<RunRecord> {
    return runRecordOf((await this.client.call('GetRun', { runId: id ?? '' })).run);
  }

  async listRuns(limit: number): Promise<RunRecord[]> {
    return (await this.client.call('ListRuns', { limit: Math.min(limit, 100) })).runs.map(runRecordOf);
  }

  /** Follows a run through WatchRun until it ends or `signal` aborts. */
  async *watchRun(runId: string, opts: { signal?: AbortSignal } = {}): AsyncGenerator<RunRecord> {
    const stream = this.client.stream('WatchRun', { runId });
    const onAbort = () => stream.cancel();
    opts.signal?.addEventListener('abort', onAbort);
    try {
      for await (const event of stream as AsyncIterable<{ run: unknown }>) yield runRecordOf(event.run);
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.CANCELLED && opts.signal?.aborted) return;
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

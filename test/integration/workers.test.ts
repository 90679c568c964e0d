// Queued rebuilds end to end: a real worker process (tsx workers/main.ts) against the real Redis,
// triggered the way the CLI and the admin RPCs trigger them (Orchestrator). Each describe has its
// own BullMQ prefix and artifacts dir.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { runInline } from '../../pipeline/inline.js';
import { createLogger } from '../../pipeline/log.js';
import { readCurrent, readManifest, versionDir } from '../../pipeline/artifacts/store.js';
import { STAGES, type Movie } from '../../pipeline/types.js';
import { Orchestrator } from '../../workers/orchestrator.js';
import { FLOW_ORDER, rebuildFlow } from '../../workers/flow.js';
import { BUILD_STAGES } from '../../pipeline/stages/registry.js';
import { loadOrchestrationSettings } from '../../workers/settings.js';
import type { RunRecord } from '../../workers/runs.js';
import { REBUILD_QUEUE } from '../../workers/names.js';
import { getSchedule, removeSchedule } from '../../workers/schedule.js';
import {
  REDIS_URL,
  runToEnd,
  spawnTsx,
  spawnWorkers,
  tempArtifactsDir,
  testEnv,
  type SpawnedProcess,
  type TestEnv,
  waitFor,
} from './workers-harness.js';

async function catalogLines(dir: string): Promise<Movie[]> {
  const text = await readFile(path.join(dir, 'catalog.jsonl'), 'utf8');
  return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Movie);
}

describe('the flow', () => {
  it('is a chain in the inline runner’s order with publish as its root', () => {
    expect(FLOW_ORDER).toEqual([...BUILD_STAGES, 'publish']);
    const tree = rebuildFlow({ runId: 'r', version: 'v', dir: '/a/v', artifactsDir: '/a', dataDir: '/d' }, loadOrchestrationSettings({}));
    const chain: string[] = [];
    for (let n: any = tree; n; n = n.children?.[0]) {
      chain.push(n.queueName);
      expect(n.children?.length ?? 0).toBeLessThanOrEqual(1);
      expect(n.opts.failParentOnFailure).toBe(true);
      expect(n.opts.jobId).toBe(`r-${n.queueName}`);
    }
    expect(chain).toEqual([...FLOW_ORDER].reverse());
  });
});

describe('queued rebuild with a stage that fails once', () => {
  let env: TestEnv;
  let worker: SpawnedProcess;
  let run: RunRecord;
  let triggers: { created: boolean; run: RunRecord }[];

  beforeAll(async () => {
    // MARQUEE_FAIL_ONCE: the worker's transform throws on its first attempt of each run (test hook)
    env = await testEnv('workers', { MARQUEE_FAIL_ONCE: 'transform' });
    worker = await spawnWorkers(env.env);
    // two triggers at once from two separate Redis clients (as two CLIs or service replicas would)
    const other = new Orchestrator(new Redis(REDIS_URL), env.config, env.settings);
    try {
      triggers = await Promise.all([
        env.orch.startRebuild('cli'),
        other.startRebuild('rpc'),
        env.orch.startRebuild('cli'),
        other.startRebuild('rpc'),
      ]);
    } finally {
      await other.close();
      other.redis.disconnect();
    }
    run = await runToEnd(env.orch, triggers[0].run.id);
  });

  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  it('concurrent triggers start exactly one run and the others get that run back', () => {
    expect(triggers.filter((t) => t.created)).toHaveLength(1);
    expect(new Set(triggers.map((t) => t.run.id)).size).toBe(1);
  });

  it('the failed transform attempt is retried and the run completes', () => {
    expect(run.status, run.error).toBe('completed');
    const transform = run.stages.find((s) => s.stage === 'transform')!;
    expect(transform.attempt).toBe(2);
    expect(transform.maxAttempts).toBe(3);
    expect(transform.error).toMatch(/injected failure of transform/);
    for (const s of run.stages) {
      expect(s.status, s.stage).toBe('completed');
      expect(s.finishedAt, s.stage).toBeTruthy();
    }
    // the other stages ran once
    expect(run.stages.filter((s) => s.stage !== 'transform').every((s) => s.attempt === 1)).toBe(true);
    // stages ran in flow order: each started after the one before it finished
    for (let i = 1; i < FLOW_ORDER.length; i++) {
      const prev = run.stages.find((s) => s.stage === FLOW_ORDER[i - 1])!;
      const cur = run.stages.find((s) => s.stage === FLOW_ORDER[i])!;
      expect(Date.parse(cur.startedAt!)).toBeGreaterThanOrEqual(Date.parse(prev.finishedAt!));
    }
  });

  it('publishes its version: CURRENT points at it and the manifest describes this run', async () => {
    expect(run.publishedVersion).toBe(run.version);
    expect(await readCurrent(env.artifactsDir)).toBe(run.version);
    const manifest = await readManifest(env.artifactsDir, run.version);
    expect(manifest.version).toBe(run.version);
    expect(manifest.runId).toBe(run.id);
    expect(Object.keys(manifest.stages).sort()).toEqual(STAGES.filter((s) => s !== 'publish').sort());
    const movies = await catalogLines(versionDir(env.artifactsDir, run.version));
    expect(movies.length).toBeGreaterThan(0);
    // the guard is released once the run ended: the next trigger would start a new run
    expect(await env.orch.store.activeRunId()).toBeNull();
  });

  it('builds the same catalog as the inline runner on the same input', async () => {
    const inlineDir = await tempArtifactsDir();
    const { dir } = await runInline(loadConfig({ dataDir: env.dataDir, artifactsDir: inlineDir, embedder: 'catalog', logLevel: 'silent' }), {
      log: createLogger('test', 'silent'),
    });
    expect(await catalogLines(versionDir(env.artifactsDir, run.version))).toEqual(await catalogLines(dir));
  });

  it('the ops CLI shows the run (status, runs) from another process', async () => {
    const status = await spawnTsx('workers/cli.ts', ['status', run.id.slice(0, 8)], env.env, /\n\s+publish\s+completed/);
    const out = status.output();
    await status.exited;
    expect(out).toContain(`Run ${run.id}  COMPLETED`);
    expect(out).toMatch(/transform\s+completed .*attempt 2\/3/);
    const runs = await spawnTsx('workers/cli.ts', ['runs', '--json'], env.env, /\]\s*$/);
    await runs.exited;
    const listed = JSON.parse(runs.output().slice(runs.output().indexOf('['))) as RunRecord[];
    expect(listed.map((r) => r.id)).toEqual([run.id]);
  });
});

describe('queued rebuild whose stage fails for good', () => {
  let env: TestEnv;
  let worker: SpawnedProcess;

  beforeAll(async () => {
    env = await testEnv('workers-fail', { MARQUEE_ATTEMPTS: '2' });
    worker = await spawnWorkers(env.env);
  });

  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  it('fails the run with the stage error after its attempts, skips the rest, and releases the guard', async () => {
    // the trigger side names the input: a directory without any input file makes extract fail every time
    const emptyData = await tempArtifactsDir();
    const orch = new Orchestrator(env.redis, { ...env.config, dataDir: emptyData }, env.settings);
    const { run: started } = await orch.startRebuild('cli');
    const run = await runToEnd(orch, started.id);
    await orch.close();
    expect(run.status).toBe('failed');
    expect(run.failedStage).toBe('extract');
    const extract = run.stages.find((s) => s.stage === 'extract')!;
    expect(extract.status).toBe('failed');
    expect(extract.attempt).toBe(2);
    expect(run.error).toBe(`extract: ${extract.error}`);
    expect(run.stages.filter((s) => s.stage !== 'extract').map((s) => [s.stage, s.status, s.attempt])).toEqual(
      FLOW_ORDER.filter((s) => s !== 'extract').map((s) => [s, 'skipped', 0]),
    );
    expect(await env.orch.store.activeRunId()).toBeNull();
    expect(await readCurrent(env.artifactsDir)).toBeNull();
    // the flow's root fails with it (failParentOnFailure, handed up through each stage's queue)
    await waitFor('the root job to fail', async () => (await env.orch.queue('publish').getJobState(`${run.id}-publish`)) === 'failed', 10_000);
    const after = (await env.orch.getRun(run.id))!;
    expect(after.stages.map((s) => s.status)).toEqual(FLOW_ORDER.map((s) => (s === 'extract' ? 'failed' : 'skipped')));
    expect(after.error).toBe(run.error);
  });
});

describe('scheduled rebuilds (MARQUEE_REBUILD_CRON)', () => {
  let env: TestEnv;
  let worker: SpawnedProcess;

  beforeAll(async () => {
    // a tick every 2 s, and a run held open for 5 s: ticks are sure to land while it is in progress
    // (without the delay a fast machine finishes the fixture run between two ticks)
    env = await testEnv('workers-cron', { MARQUEE_REBUILD_CRON: '*/2 * * * * *', MARQUEE_TEST_STAGE_DELAY_MS: 'eda=5000' });
    worker = await spawnWorkers(env.env);
  });

  afterAll(async () => {
    await worker?.stop();
    await env?.cleanup();
  });

  it('the job scheduler starts runs through the single-run guard: ticks during a run start nothing', async () => {
    expect(worker.output()).toMatch(/rebuild schedule set \(MARQUEE_REBUILD_CRON\)/);
    const schedule = await getSchedule(env.orch.queue(REBUILD_QUEUE));
    expect(schedule?.pattern).toBe('*/2 * * * * *');
    const first = await waitFor('a scheduled run', async () => (await env.orch.listRuns(1))[0], 30_000, 100);
    expect(first.trigger).toBe('schedule');
    await runToEnd(env.orch, first.id);
    await worker.stop(); // no more ticks processed
    const ticks = (await env.orch.queue(REBUILD_QUEUE).getCompleted(0, 100)).map((j) => j.returnvalue as { runId: string; created: boolean });
    const skipped = ticks.filter((t) => !t.created);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((t) => t.runId === first.id || ticks.some((u) => u.created && u.runId === t.runId))).toBe(true);
    // the runs never overlapped
    const runs = (await env.orch.listRuns(50)).reverse();
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i].createdAt)).toBeGreaterThanOrEqual(Date.parse(runs[i - 1].finishedAt!));
    }
    await removeSchedule(env.orch.queue(REBUILD_QUEUE));
    expect(await getSchedule(env.orch.queue(REBUILD_QUEUE))).toBeNull();
  });
});

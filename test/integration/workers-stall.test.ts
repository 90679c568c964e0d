// Worker crashes and shutdowns mid-stage, with real processes: a worker killed with SIGKILL in the
// middle of the embed stage leaves a stalled job that another worker takes over, and a worker told
// to stop (SIGTERM) in the middle of a stage finishes that job before it exits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCurrent, readManifest } from '../../pipeline/artifacts/store.js';
import { STAGES } from '../../pipeline/types.js';
import type { RunRecord } from '../../workers/runs.js';
import { runToEnd, spawnWorkers, testEnv, waitFor, type SpawnedProcess, type TestEnv } from './workers-harness.js';

describe('embed worker killed mid-stage, then another one stopped mid-stage', () => {
  let env: TestEnv;
  let others: SpawnedProcess;
  let embedders: SpawnedProcess[] = [];
  let run: RunRecord;
  let killed: SpawnedProcess;
  let survivor: SpawnedProcess;
  let survivorExit: { code: number | null; signal: NodeJS.Signals | null };
  let recoveryMs: number;

  beforeAll(async () => {
    env = await testEnv('stall', {
      // the default lock duration and stall check: recovery must take well under 30 s as shipped
      // test hook: embed sleeps (reporting progress) before its work, so it can be caught in the middle
      MARQUEE_TEST_STAGE_DELAY_MS: 'embed=5000',
    });
    [others, ...embedders] = await Promise.all([
      spawnWorkers(env.env, ['--stages', STAGES.filter((s) => s !== 'embed').join(',')]),
      spawnWorkers(env.env, ['--stages', 'embed']),
      spawnWorkers(env.env, ['--stages', 'embed']),
    ]);
    const { run: started } = await env.orch.startRebuild('cli');

    // 1. embed is under way in a sandboxed child of one of the two embed workers: SIGKILL that worker
    const holder = await waitFor('embed to be under way', async () => {
      const r = await env.orch.getRun(started.id);
      const e = r?.stages.find((s) => s.stage === 'embed');
      return e?.status === 'active' && (e.progress?.done ?? 0) > 0 ? e.worker : null;
    }, 90_000, 50);
    killed = embedders.find((w) => holder!.endsWith(`:${w.pid}`))!;
    survivor = embedders.find((w) => w !== killed)!;
    killed.proc.kill('SIGKILL');
    const killedAt = Date.now();

    // 2. the other embed worker takes the stalled job over; once it is under way there, SIGTERM it:
    //    it must finish the job (graceful shutdown) and only then exit
    await waitFor('embed to be taken over', async () => {
      const e = (await env.orch.getRun(started.id))?.stages.find((s) => s.stage === 'embed');
      return e?.status === 'active' && e.worker?.endsWith(`:${survivor.pid}`) && (e.progress?.done ?? 0) > 0;
    }, 40_000, 50);
    recoveryMs = Date.now() - killedAt;
    survivor.proc.kill('SIGTERM');
    survivorExit = await survivor.exited;
    run = await runToEnd(env.orch, started.id);
  });

  afterAll(async () => {
    await Promise.all([others, ...embedders].filter(Boolean).map((w) => w.stop()));
    await env?.cleanup();
  });

  it('with the default lock settings, the killed worker’s job is taken over in under 30 s', () => {
    expect(recoveryMs).toBeLessThan(30_000);
  });

  it('the killed worker’s job is recovered by the other worker and the run completes', () => {
    expect(killed.proc.signalCode).toBe('SIGKILL');
    expect(run.status, run.error).toBe('completed');
    const embed = run.stages.find((s) => s.stage === 'embed')!;
    expect(embed.stalls).toBeGreaterThanOrEqual(1);
    expect(embed.worker).toMatch(new RegExp(`:${survivor.pid}$`));
    // a stall is not a failed attempt: the same attempt is re-run from the start
    expect(embed.attempt).toBe(1);
    expect(embed.error).toBeUndefined();
  });

  it('the stopped worker finished its active job before exiting', () => {
    expect(survivorExit.code).toBe(0);
    expect(survivor.output()).toMatch(/shutting down: letting active jobs finish/);
    expect(survivor.output()).toMatch(/"handedBack":0,"msg":"workers stopped"/);
    const embed = run.stages.find((s) => s.stage === 'embed')!;
    expect(embed.status).toBe('completed');
    expect(Date.parse(embed.finishedAt!)).toBeGreaterThan(Date.parse(embed.startedAt!));
  });

  it('publishes a valid version with every stage in its manifest', async () => {
    expect(await readCurrent(env.artifactsDir)).toBe(run.version);
    const m = await readManifest(env.artifactsDir, run.version);
    expect(m.runId).toBe(run.id);
    expect(Object.keys(m.stages).sort()).toEqual(STAGES.filter((s) => s !== 'publish').sort());
    expect(m.stages.embed!.ms).toBeGreaterThanOrEqual(0);
  });
});

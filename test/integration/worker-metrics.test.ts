// The workers' /metrics, scraped over HTTP from real worker processes and read with a Prometheus
// text-format parser: queue depths as BullMQ counts them (a run queued while no process consumes
// its first stage shows as one waiting extract job), then per-stage outcomes once a run completes.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../pipeline/types.js';
import { family, parsePrometheus, sampleValue, type Family } from '../helpers/prometheus.js';
import { runToEnd, spawnWorkers, testEnv, waitFor, type SpawnedProcess, type TestEnv } from './workers-harness.js';

let env: TestEnv;
let watcher: SpawnedProcess | undefined;
let all: SpawnedProcess | undefined;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function scrape(): Promise<Family[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheus(await res.text());
}

beforeAll(async () => {
  env = await testEnv('worker-metrics');
  port = await freePort();
  // consumes only publish, so a new run's extract job waits where the metrics can see it
  watcher = await spawnWorkers({ ...env.env, MARQUEE_WORKER_METRICS_ADDR: `127.0.0.1:${port}` }, ['--stages', 'publish']);
});

afterAll(async () => {
  await all?.stop();
  await watcher?.stop();
  await env?.cleanup();
});

describe('worker metrics', () => {
  it('shows queue depths from BullMQ and the stage outcomes of a completed run', async () => {
    const { run } = await env.orch.startRebuild('test');
    const waiting = await waitFor('the extract job to show as waiting', async () => {
      const v = sampleValue(await scrape(), 'marquee_queue_jobs', { queue: 'extract', state: 'waiting' });
      return v === 1 ? v : null;
    });
    expect(waiting).toBe(1);

    all = await spawnWorkers({ ...env.env, MARQUEE_WORKER_METRICS_ADDR: 'off' }, ['--stages', STAGES.filter((s) => s !== 'publish').join(',')]);
    const done = await runToEnd(env.orch, run.id);
    expect(done.status).toBe('completed');

    // the run is marked completed inside the publish job; BullMQ's 'completed' event, which the
    // counter follows, comes a moment later: wait for it rather than race it
    const after = await waitFor('the publish job to be counted', async () => {
      const f = await scrape();
      return sampleValue(f, 'marquee_stage_jobs_total', { stage: 'publish', outcome: 'completed' }) !== undefined ? f : null;
    }, 10_000);
    // this process ran publish only: one completed publish job, nothing else
    expect(sampleValue(after, 'marquee_stage_jobs_total', { stage: 'publish', outcome: 'completed' })).toBe(1);
    expect(sampleValue(after, 'marquee_stage_jobs_total', { stage: 'extract', outcome: 'completed' })).toBeUndefined();
    expect(family(after, 'marquee_stage_duration_seconds')?.type).toBe('histogram');
    expect(sampleValue(after, 'marquee_stage_duration_seconds_count', { stage: 'publish', outcome: 'completed' })).toBe(1);
    for (const stage of STAGES) {
      expect(sampleValue(after, 'marquee_queue_jobs', { queue: stage, state: 'waiting' }), stage).toBe(0);
      expect(sampleValue(after, 'marquee_queue_jobs', { queue: stage, state: 'failed' }), stage).toBe(0);
    }
    expect(sampleValue(after, 'marquee_worker_process_resident_memory_bytes', {})).toBeGreaterThan(0);
  });
});

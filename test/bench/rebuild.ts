// npm run bench:rebuild [-- --data DIR[,DIR...] --runs 1 --embedder auto]
//
// A rebuild through the queues against the inline runner, on the same input, each from an empty
// cache (a fresh artifacts dir) and with a warm cache (a second rebuild into the same artifacts dir,
// reusing the embedding cache and the catalog embedder's fit).
// - inline: `npm run pipeline -- --inline` as a fresh process (its start-up included, as an operator
//   would see it);
// - queued: one worker process for every stage, started beforehand (as in production, its start-up is
//   not counted; the very first run also forks the sandboxed embed child), timed
//   from the trigger to the run's end as the run record reports it.
// Prints one line per measurement and a table of medians. Default inputs: the real shared catalog
// and, when it exists, the full-size synthetic one (npm run data:synth -- --movies 45466 --out data/synth/full).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { PROJECT_ROOT, SHARED_TMDB_DIR, loadConfig } from '../../pipeline/config.js';
import type { Manifest } from '../../pipeline/types.js';
import { Orchestrator } from '../../workers/orchestrator.js';
import { loadOrchestrationSettings } from '../../workers/settings.js';
import type { RunRecord } from '../../workers/runs.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    runs: { type: 'string', default: '1' },
    embedder: { type: 'string', default: process.env.MARQUEE_EMBEDDER ?? 'auto' },
  },
});
const runs = Number(values.runs);
const FULL_SYNTH = path.join(PROJECT_ROOT, 'data', 'synth', 'full');
const inputs = values.data
  ? values.data.split(',').map((d) => path.resolve(d))
  : [SHARED_TMDB_DIR, ...(existsSync(FULL_SYNTH) ? [FULL_SYNTH] : [])];
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Measure {
  data: string;
  mode: 'inline' | 'queued';
  cache: 'empty' | 'warm';
  wallMs: number;
  stagesMs: number;
  movies: number;
}

function run(cmd: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, cmd, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

function stageSum(stages: Partial<Record<string, { ms: number }>>): number {
  return Object.values(stages).reduce((a, s) => a + (s?.ms ?? 0), 0);
}

type Timed = { wallMs: number; stagesMs: number; movies: number; stages: Manifest['stages'] };

async function inline(data: string, artifactsDir: string): Promise<Timed> {
  const t0 = performance.now();
  const r = await run(['--import', 'tsx', 'workers/cli.ts', '--inline', '--json', '--data-dir', data, '--artifacts-dir', artifactsDir], {
    ...process.env,
    MARQUEE_EMBEDDER: values.embedder,
    LOG_LEVEL: 'warn',
  });
  const wallMs = performance.now() - t0;
  if (r.code !== 0) throw new Error(`inline run failed (${r.code}):\n${r.err.slice(-2000)}`);
  const m = JSON.parse(r.out.slice(r.out.indexOf('{'))) as Manifest;
  return { wallMs, stagesMs: stageSum(m.stages), movies: m.counts.movies_published ?? 0, stages: m.stages };
}

async function queued(orch: Orchestrator): Promise<Timed> {
  const t0 = performance.now();
  const { run: started } = await orch.startRebuild('bench');
  let last: RunRecord | undefined;
  for await (const r of orch.watchRun(started.id, { pollMs: 500 })) last = r;
  const wallMs = performance.now() - t0;
  if (last?.status !== 'completed') throw new Error(`queued run ${started.id} ${last?.status}: ${last?.error}`);
  const m = JSON.parse(await readFile(path.join(last.artifactsDir, last.version, 'manifest.json'), 'utf8')) as Manifest;
  return { wallMs, stagesMs: stageSum(m.stages), movies: m.counts.movies_published ?? 0, stages: m.stages };
}

async function benchInput(data: string): Promise<Measure[]> {
  const out: Measure[] = [];
  const label = path.basename(data);
  const log = (m: Measure, stages: Partial<Record<string, { ms: number }>>) => {
    out.push(m);
    const per = Object.entries(stages).map(([k, v]) => `${k} ${((v?.ms ?? 0) / 1000).toFixed(1)}`).join(', ');
    console.log(
      `${label.padEnd(6)} ${m.mode.padEnd(7)} ${m.cache.padEnd(6)} wall ${(m.wallMs / 1000).toFixed(1).padStart(6)} s   stages ${(m.stagesMs / 1000).toFixed(1).padStart(6)} s   movies ${m.movies}   (${per}; load ${os.loadavg()[0].toFixed(1)})`,
    );
  };
  // one worker process for every stage, started once (its start-up is not timed)
  const b = await mkdtemp(path.join(os.tmpdir(), 'mq-bench-queued-'));
  const prefix = `mq-bench-${process.pid}`;
  const env = {
    ...process.env,
    REDIS_URL,
    MARQUEE_QUEUE_PREFIX: prefix,
    MARQUEE_DATA_DIR: data,
    MARQUEE_EMBEDDER: values.embedder,
    LOG_LEVEL: 'warn',
  };
  const worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], { cwd: PROJECT_ROOT, env, stdio: 'ignore' });
  const redis = new Redis(REDIS_URL);
  const settings = loadOrchestrationSettings(env);
  await new Promise((r) => setTimeout(r, 3000)); // let the worker connect
  try {
    for (let i = 0; i < runs; i++) {
      // modes interleaved, so a change in machine load hits both alike
      const a = await mkdtemp(path.join(os.tmpdir(), 'mq-bench-inline-'));
      const q = await mkdtemp(path.join(b, 'run-'));
      const orch = new Orchestrator(redis, loadConfig({ dataDir: data, artifactsDir: q }), settings);
      try {
        for (const cache of ['empty', 'warm'] as const) {
          const il = await inline(data, a);
          log({ data: label, mode: 'inline', cache, wallMs: il.wallMs, stagesMs: il.stagesMs, movies: il.movies }, il.stages);
          const qu = await queued(orch);
          log({ data: label, mode: 'queued', cache, wallMs: qu.wallMs, stagesMs: qu.stagesMs, movies: qu.movies }, qu.stages);
        }
      } finally {
        await orch.close();
        await rm(a, { recursive: true, force: true });
        await rm(q, { recursive: true, force: true });
      }
    }
  } finally {
    worker.kill('SIGTERM');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
    await rm(b, { recursive: true, force: true });
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const all: Measure[] = [];
console.log(`bench:rebuild  embedder=${values.embedder}  runs=${runs}  cores=${os.cpus().length}  load=${os.loadavg().map((l) => l.toFixed(1)).join('/')}`);
for (const d of inputs) all.push(...(await benchInput(d)));
console.log('\nmedians (seconds)        wall   stages  overhead');
for (const d of [...new Set(all.map((m) => m.data))]) {
  for (const mode of ['inline', 'queued'] as const) {
    for (const cache of ['empty', 'warm'] as const) {
      const ms = all.filter((m) => m.data === d && m.mode === mode && m.cache === cache);
      const w = median(ms.map((m) => m.wallMs)) / 1000;
      const s = median(ms.map((m) => m.stagesMs)) / 1000;
      console.log(`${d.padEnd(6)} ${mode.padEnd(7)} ${cache.padEnd(6)} ${w.toFixed(1).padStart(7)} ${s.toFixed(1).padStart(7)} ${(w - s).toFixed(1).padStart(8)}`);
    }
  }
}

// Shared by the orchestration tests (workers*, admin*, swap*): real worker processes spawned with
// tsx against the real Redis, each test under its own BullMQ prefix, cleaned up afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { PROJECT_ROOT, SHARED_TMDB_DIR, loadConfig, type Config } from '../../pipeline/config.js';
import { Orchestrator } from '../../workers/orchestrator.js';
import { loadOrchestrationSettings, type OrchestrationSettings } from '../../workers/settings.js';
import type { RunRecord } from '../../workers/runs.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Small raw input: the handmade fixtures when present, else the (small) shared partial TMDB copy. */
export const TEST_DATA_DIR = existsSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'tmdb', 'movies_dataset.fixture.csv'))
  ? path.join(PROJECT_ROOT, 'test', 'fixtures', 'tmdb')
  : SHARED_TMDB_DIR;

export function uniquePrefix(name: string): string {
  return `mqt-${name}-${process.pid}-${Date.now().toString(36)}`;
}

export async function tempArtifactsDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'mq-orch-'));
}

export interface TestEnv {
  prefix: string;
  artifactsDir: string;
  dataDir: string;
  config: Config;
  settings: OrchestrationSettings;
  /** environment for spawned workers and services */
  env: NodeJS.ProcessEnv;
  redis: Redis;
  orch: Orchestrator;
  cleanup(): Promise<void>;
}

/** A prefix, an empty artifacts dir, a Redis client and an Orchestrator (the trigger side). */
export async function testEnv(name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<TestEnv> {
  const prefix = uniquePrefix(name);
  const artifactsDir = await tempArtifactsDir();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL,
    MARQUEE_QUEUE_PREFIX: prefix,
    MARQUEE_ARTIFACTS_DIR: artifactsDir,
    MARQUEE_DATA_DIR: TEST_DATA_DIR,
    MARQUEE_EMBEDDER: 'catalog',
    MARQUEE_BACKOFF_MS: '300',
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const config = loadConfig({ artifactsDir, dataDir: TEST_DATA_DIR, redisUrl: REDIS_URL, embedder: 'catalog', logLevel: 'silent' });
  const settings = loadOrchestrationSettings(env);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const orch = new Orchestrator(redis, config, settings);
  return {
    prefix,
    artifactsDir,
    dataDir: TEST_DATA_DIR,
    config,
    settings,
    env,
    redis,
    orch,
    async cleanup() {
      await orch.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      await rm(artifactsDir, { recursive: true, force: true });
    },
  };
}

export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export interface SpawnedProcess {
  proc: ChildProcess;
  pid: number;
  /** everything it wrote to stderr/stdout so far */
  output(): string;
  /** resolves with the exit code (or signal) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait (SIGKILL after `ms`) */
  stop(ms?: number): Promise<void>;
}

// Children must not outlive a test run that fails or is interrupted half-way.
const spawned = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of spawned) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Spawns `node --import tsx <script> ...args` from the project root; resolves once `readyLine` appears in its output. */
export function spawnTsx(script: string, args: string[], env: NodeJS.ProcessEnv, readyLine: RegExp, timeoutMs = 60_000): Promise<SpawnedProcess> {
  return spawnNode(['--import', 'tsx', script], args, env, readyLine, timeoutMs);
}

/** Spawns the compiled build as production runs it: `node dist/<script>.js ...args`, no TypeScript loader. */
export function spawnCompiled(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  readyLine: RegExp,
  timeoutMs = 60_000,
  nodeFlags: readonly string[] = [],
): Promise<SpawnedProcess> {
  return spawnNode([...nodeFlags, script], args, env, readyLine, timeoutMs);
}

async function spawnNode(
  nodeArgs: string[],
  args: string[],
  env: NodeJS.ProcessEnv,
  readyLine: RegExp,
  timeoutMs: number,
): Promise<SpawnedProcess> {
  const script = nodeArgs[nodeArgs.length - 1];
  const proc = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(proc);
  proc.once('exit', () => spawned.delete(proc));
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready after ${timeoutMs} ms:\n${out.slice(-3000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (readyLine.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready:\n${out.slice(-3000)}`));
    });
  });
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    exited,
    async stop(ms = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(t);
    },
  };
}

/** `npm run workers` as a child process (`--stages` etc. in args). */
export function spawnWorkers(env: NodeJS.ProcessEnv, args: string[] = []): Promise<SpawnedProcess> {
  return spawnTsx('workers/main.ts', args, env, /"msg":"workers started"/);
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Follows a run to its end through the watch API; returns the final record. */
export async function runToEnd(orch: Orchestrator, runId: string, timeoutMs = 120_000): Promise<RunRecord> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  let last: RunRecord | undefined;
  try {
    for await (const run of orch.watchRun(runId, { signal: ac.signal, pollMs: 500 })) last = run;
  } finally {
    clearTimeout(timer);
  }
  if (!last || (last.status !== 'completed' && last.status !== 'failed')) {
    throw new Error(`run ${runId} did not end within ${timeoutMs} ms: ${JSON.stringify(last?.stages.map((s) => [s.stage, s.status]))}`);
  }
  return last;
}

// npm run bench:soak [-- --seconds 180 --concurrency 32]
//
// Bad luck on loopback, for a bounded time: the service (a child process, admin token on) serves
// the real shared catalog to catalog and SimilarMovies clients (`concurrency` calls in flight each)
// while, against a private Redis with an append-only file:
//   1. a rebuild runs; the worker holding its embed stage is SIGKILLed mid-stage (the other takes over)
//   2. a rebuild runs and Redis is restarted under it
//   3. a rebuild runs undisturbed
// Every call's outcome is counted (target: 0 failed), every version the clients saw is listed, and
// the recovery times are printed. The embed stage is slowed with the test hook
// MARQUEE_TEST_STAGE_DELAY_MS so the kill lands in its middle.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { loadConfig, PROJECT_ROOT, SHARED_TMDB_DIR } from '../../pipeline/config.js';
import { runInline } from '../../pipeline/inline.js';
import { createLogger } from '../../pipeline/log.js';
import { serviceClient, type MarqueeClient } from '../../service/client.js';
import { spawnTsx, spawnWorkers, type SpawnedProcess } from '../integration/workers-harness.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '180' }, concurrency: { type: 'string', default: '32' } },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const TOKEN = 'soak-admin-token-0123456789abcdef';
const t0 = Date.now();
const at = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(6) + ' s';
const say = (msg: string) => console.log(`${at()}  ${msg}`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

// ------------------------------------------------------------------ a private Redis

class PrivateRedis {
  proc: ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}
  async start(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    // ready once it accepts a connection and answers PING (the AOF is loaded by then)
    for (let i = 0; i < 200; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const sock = net.connect(this.port, '127.0.0.1');
        sock.once('error', () => resolve(false));
        sock.once('connect', () => sock.write('PING\r\n'));
        sock.once('data', (d) => {
          sock.destroy();
          resolve(d.toString().startsWith('+PONG'));
        });
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    p.kill('SIGTERM'); // redis saves the AOF and exits
    await new Promise((r) => p.once('exit', r));
  }
}

// ------------------------------------------------------------------ load

interface Tally {
  calls: number;
  failed: Map<string, number>;
  versions: Map<string, number>;
  lat: number[];
}

function loadLoop(client: MarqueeClient, pick: () => [string, object], tally: Tally, stop: () => boolean): Promise<void> {
  const one = async (): Promise<void> => {
    while (!stop()) {
      const [method, req] = pick();
      const s = performance.now();
      try {
        const r = await client.call(method, req, { deadlineMs: 5000 });
        if (r.version) tally.versions.set(r.version, (tally.versions.get(r.version) ?? 0) + 1);
      } catch (err) {
        const code = grpc.status[(err as grpc.ServiceError).code] ?? 'UNKNOWN';
        tally.failed.set(`${method} ${code}`, (tally.failed.get(`${method} ${code}`) ?? 0) + 1);
      }
      tally.calls++;
      tally.lat.push(performance.now() - s);
    }
  };
  return Promise.all(Array.from({ length: CONCURRENCY }, one)).then(() => undefined);
}

// ------------------------------------------------------------------ main

function uniqueTitles(artifactsDir: string, n: number): string[] {
  const version = readFileSync(path.join(artifactsDir, 'CURRENT'), 'utf8').trim();
  const movies = readFileSync(path.join(artifactsDir, version, 'catalog.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { title: string; popularity: number });
  const count = new Map<string, number>();
  for (const m of movies) count.set(m.title.toLowerCase(), (count.get(m.title.toLowerCase()) ?? 0) + 1);
  return movies
    .filter((m) => count.get(m.title.toLowerCase()) === 1)
    .sort((a, b) => b.popularity - a.popularity)
    .slice(0, n)
    .map((m) => m.title);
}

async function main(): Promise<void> {
  if (!existsSync(SHARED_TMDB_DIR)) throw new Error(`the soak reads the real shared catalog at ${SHARED_TMDB_DIR}`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'mq-soak-'));
  const artifactsDir = path.join(work, 'artifacts');
  const redis = new PrivateRedis(await freePort(), work);
  const redisUrl = `redis://127.0.0.1:${redis.port}`;
  const grpcPort = await freePort();
  const addr = `127.0.0.1:${grpcPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redisUrl,
    MARQUEE_QUEUE_PREFIX: 'soak',
    MARQUEE_ARTIFACTS_DIR: artifactsDir,
    MARQUEE_DATA_DIR: SHARED_TMDB_DIR,
    MARQUEE_EMBEDDER: 'catalog',
    MARQUEE_GRPC_ADDR: addr,
    MARQUEE_ADMIN_TOKEN: TOKEN,
    MARQUEE_BACKOFF_MS: '1000',
    MARQUEE_TEST_STAGE_DELAY_MS: 'embed=6000',
    LOG_LEVEL: 'info',
  };
  const procs: SpawnedProcess[] = [];
  const stats = { kill: NaN, redisDown: NaN, adminBack: NaN, runs: [] as { run: number; status: string; seconds: number }[] };
  try {
    say(`soak: ${SECONDS} s, ${CONCURRENCY} calls in flight per client, private Redis on ${redis.port}, service on ${addr}`);
    await redis.start();
    await runInline(loadConfig({ dataDir: SHARED_TMDB_DIR, artifactsDir, embedder: 'catalog', logLevel: 'warn' }), { log: createLogger('soak', 'warn') });
    say('first version published (inline)');
    const service = await spawnTsx('service/main.ts', [], env, /"msg":"catalog version loaded"/);
    procs.push(service);
    const workers = await Promise.all([spawnWorkers(env), spawnWorkers(env)]);
    procs.push(...workers);
    say('service and two workers up');

    const catalog = serviceClient('marquee.v1.CatalogService', [], addr);
    const recommend = serviceClient('marquee.v1.RecommendService', [], addr);
    const admin = serviceClient('marquee.v1.PipelineAdmin', [], addr, undefined, { token: TOKEN });
    // titles that name one movie each (a shared title without a year is INVALID_ARGUMENT by design)
    const titles = uniqueTitles(artifactsDir, 64);
    let k = 0;
    const catalogPick = (): [string, object] => {
      const i = k++;
      const t = titles[i % titles.length];
      return ([['TitleScore', { title: t }], ['TitleVotes', { title: t }], ['Director', { name: 'John Lasseter' }], ['MoviesByLanguage', { language: 'fr' }], ['CatalogInfo', {}]] as [string, object][])[i % 5];
    };
    const similarPick = (): [string, object] => ['SimilarMovies', { title: titles[k++ % titles.length], k: 5 }];
    const tally: Tally = { calls: 0, failed: new Map(), versions: new Map(), lat: [] };
    const simTally: Tally = { calls: 0, failed: new Map(), versions: new Map(), lat: [] };
    const deadline = Date.now() + SECONDS * 1000;
    const stop = () => Date.now() > deadline;
    const loads = [loadLoop(catalog, catalogPick, tally, stop), loadLoop(recommend, similarPick, simTally, stop)];

    const runOf = async (id: string) => (await admin.call('GetRun', { runId: id })).run;
    const waitRun = async (id: string, what: (r: any) => boolean, limitMs = 120_000): Promise<any> => {
      const start = Date.now();
      for (;;) {
        try {
          const r = await runOf(id);
          if (what(r)) return r;
        } catch {
          /* Redis restarting: ask again */
        }
        if (Date.now() - start > limitMs) throw new Error(`run ${id}: condition not met in ${limitMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const ended = (r: any) => r.status === 'RUN_STATUS_COMPLETED' || r.status === 'RUN_STATUS_FAILED';
    const rebuild = async (n: number, disturb?: (id: string) => Promise<void>) => {
      const s = Date.now();
      const { run } = await admin.call('StartRebuild', {});
      say(`rebuild ${n}: run ${run.runId.slice(0, 8)} started`);
      await disturb?.(run.runId);
      const final = await waitRun(run.runId, ended, 180_000);
      stats.runs.push({ run: n, status: final.status, seconds: (Date.now() - s) / 1000 });
      say(`rebuild ${n}: ${final.status} in ${((Date.now() - s) / 1000).toFixed(1)} s${final.error ? ` (${final.error})` : ''}; published ${final.publishedVersion || '-'}`);
    };

    await new Promise((r) => setTimeout(r, 5000));
    await rebuild(1, async (id) => {
      const r = await waitRun(id, (x) => x.stages.find((s: any) => s.name === 'embed')?.status === 'STAGE_STATUS_ACTIVE' && (x.stages.find((s: any) => s.name === 'embed')?.progress?.done ?? 0) > 0);
      const holder = r.stages.find((s: any) => s.name === 'embed').worker as string;
      const victim = workers.find((w) => holder.endsWith(`:${w.pid}`))!;
      const killedAt = Date.now();
      victim.proc.kill('SIGKILL');
      say(`rebuild 1: SIGKILLed worker ${victim.pid} in the middle of embed`);
      await waitRun(id, (x) => {
        const e = x.stages.find((s: any) => s.name === 'embed');
        return (e?.worker && !e.worker.endsWith(`:${victim.pid}`) && e.status !== 'STAGE_STATUS_WAITING') || ended(x);
      });
      stats.kill = (Date.now() - killedAt) / 1000;
      say(`rebuild 1: embed taken over by the other worker after ${stats.kill.toFixed(1)} s`);
    });
    await rebuild(2, async (id) => {
      await waitRun(id, (x) => x.status === 'RUN_STATUS_RUNNING');
      const downAt = Date.now();
      await redis.stop();
      say('rebuild 2: Redis stopped');
      await new Promise((r) => setTimeout(r, 2000));
      await redis.start();
      stats.redisDown = (Date.now() - downAt) / 1000;
      say(`rebuild 2: Redis back after ${stats.redisDown.toFixed(1)} s down`);
      const s = Date.now();
      await waitRun(id, () => true);
      stats.adminBack = (Date.now() - s) / 1000;
      say(`rebuild 2: admin RPCs answer again ${stats.adminBack.toFixed(1)} s after Redis came back`);
    });
    await rebuild(3);
    say('disturbances done; load goes on until the time is up');
    await Promise.all(loads);
    catalog.close();
    recommend.close();
    admin.close();

    const lat = [...tally.lat, ...simTally.lat].sort((a, b) => a - b);
    const q = (x: number) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))].toFixed(1);
    const failed = [...tally.failed, ...simTally.failed];
    const versions = new Map([...tally.versions, ...simTally.versions]);
    for (const [v, n] of simTally.versions) versions.set(v, (tally.versions.get(v) ?? 0) + n);
    console.log('\n== soak result');
    console.log(`calls made: ${(tally.calls + simTally.calls).toLocaleString('en-US')} (catalog ${tally.calls.toLocaleString('en-US')}, SimilarMovies ${simTally.calls.toLocaleString('en-US')}); latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`);
    console.log(`calls failed: ${failed.reduce((a, [, n]) => a + n, 0)} (target 0)${failed.length ? ` ${JSON.stringify(Object.fromEntries(failed))}` : ''}`);
    console.log(`versions seen by the clients: ${versions.size} (in the answers that name their version: ${[...versions].map(([v, n]) => `${v}: ${n.toLocaleString('en-US')} calls`).join('; ')})`);
    console.log(`runs: ${stats.runs.map((r) => `#${r.run} ${r.status.replace('RUN_STATUS_', '').toLowerCase()} in ${r.seconds.toFixed(1)} s`).join(', ')}`);
    console.log(`recovery: killed embed worker's job taken over after ${stats.kill.toFixed(1)} s; Redis down ${stats.redisDown.toFixed(1)} s, admin RPCs back ${stats.adminBack.toFixed(1)} s after it returned`);
  } finally {
    await Promise.all(procs.map((p) => p.stop(5000)));
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
process.exit(0);

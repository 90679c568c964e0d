// npm run bench:service [-- --seconds 10 --concurrency 32 --only real|full --rebuild --profile]
//
// Starts the gRPC server in a CHILD process (so its RSS and CPU are its own) on
//   - the full-size SYNTHETIC catalog (45,466 movies: data/synth/full, generated with
//     `npm run data:synth -- --movies 45466 --out data/synth/full` if missing), and
//   - the REAL shared (partial) catalog,
// then drives it with `concurrency` calls in flight on a mixed workload of real titles and names
// sampled from the catalog being served. Prints per RPC: calls/s, p50, p99; the server's RSS and
// CPU. Also times the fuzzy "did you mean" index directly on the catalog's titles.
// Targets (2-core machine): p99 < 2 ms, > 5,000 calls/s in total. Other processes share the CPU,
// so figures are noisy: compare medians of several runs.
//
// Adding an RPC to the mix (e.g. SimilarMovies): add an entry in workload() below.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config';
import { runInline } from '../../pipeline/inline';
import { createLogger } from '../../pipeline/log';
import type { Movie } from '../../pipeline/types';
import { serviceClient, type MarqueeClient } from '../../service/client';
import { Suggester } from '../../service/normalize/fuzzy';
import { normalizeKey } from '../../service/normalize/text';
import { loadProtos } from '../../service/proto';
import { catalogModule } from '../../service/catalog/module';
import { startServer } from '../../service/server';
import { realArtifacts } from '../helpers/real-artifacts';

const THIS_FILE = fileURLToPath(import.meta.url);
const SYNTH_FULL = path.join(PROJECT_ROOT, 'data', 'synth', 'full');
const FULL_ARTIFACTS = path.join(PROJECT_ROOT, 'data', 'bench', 'service-full-artifacts');
const RESULTS = path.join(PROJECT_ROOT, 'data', 'bench', 'service-last.json');
const CATALOG = { service: 'marquee.v1.CatalogService', protoFiles: ['marquee/v1/catalog.proto'] };

// ------------------------------------------------------------------ child: the server

type ToChild = { type: 'stats'; gc?: boolean } | { type: 'stop' };
type FromChild = { type: 'ready'; port: number; loadMs: number } | { type: 'stats'; rss: number; cpuUs: number; heapUsed: number };

/** A bare grpc-js server answering TitleScore with a constant: the floor of what gRPC itself costs here. */
async function bareChild(): Promise<void> {
  const pkg = loadProtos(CATALOG.protoFiles);
  const server = new grpc.Server();
  const answer = { id: 862, title: 'Toy Story', releaseYear: 1995, popularity: 21.946943 };
  server.addService(pkg[CATALOG.service] as grpc.ServiceDefinition, {
    TitleScore: (_call: unknown, cb: grpc.sendUnaryData<typeof answer>) => cb(null, answer),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  process.send!({ type: 'ready', port, loadMs: 0 } satisfies FromChild);
  process.on('message', (m: ToChild) => {
    if (m.type === 'stats') {
      const cpu = process.cpuUsage();
      process.send!({ type: 'stats', rss: process.memoryUsage.rss(), cpuUs: cpu.user + cpu.system, heapUsed: process.memoryUsage().heapUsed } satisfies FromChild);
    } else {
      server.forceShutdown();
      process.exit(0);
    }
  });
}

async function child(artifactsDir: string, catalogOnly: boolean): Promise<void> {
  if (artifactsDir === 'bare') return bareChild();
  const t0 = performance.now();
  const running = await startServer({
    config: loadConfig({ artifactsDir, logLevel: 'warn' }),
    addr: '127.0.0.1:0',
    log: createLogger('bench-server', 'warn'),
    watch: false,
    ...(catalogOnly && { modules: [catalogModule] }),
  });
  const send = (m: FromChild) => process.send!(m);
  send({ type: 'ready', port: running.port, loadMs: Math.round(performance.now() - t0) });
  process.on('message', async (m: ToChild) => {
    if (m.type === 'stats') {
      // settled memory (after a full GC) for the idle figures; never during the load run
      if (m.gc) (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      send({ type: 'stats', rss: process.memoryUsage.rss(), cpuUs: cpu.user + cpu.system, heapUsed: process.memoryUsage().heapUsed });
    } else if (m.type === 'stop') {
      await running.close(2000);
      process.disconnect(); // let the event loop drain so --cpu-prof can write its profile
      setTimeout(() => process.exit(0), 5000).unref();
    }
  });
}

function startChild(
  artifactsDir: string,
  opts: { catalogOnly?: boolean; profileDir?: string } = {},
): Promise<{ proc: ChildProcess; port: number; loadMs: number; ask: (gc?: boolean) => Promise<Extract<FromChild, { type: 'stats' }>> }> {
  const args = ['--child', artifactsDir, ...(opts.catalogOnly ? ['--catalog-only'] : [])];
  const execArgv = ['--import', 'tsx', '--expose-gc', ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [])];
  const proc = fork(THIS_FILE, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (gc = false) =>
    new Promise<Extract<FromChild, { type: 'stats' }>>((resolve) => {
      const on = (m: FromChild) => {
        if (m.type === 'stats') {
          proc.off('message', on);
          resolve(m);
        }
      };
      proc.on('message', on);
      proc.send({ type: 'stats', gc } satisfies ToChild);
    });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
    proc.on('message', (m: FromChild) => {
      if (m.type === 'ready') resolve({ proc, port: m.port, loadMs: m.loadMs, ask });
    });
  });
}

// ------------------------------------------------------------------ workload

interface WorkItem {
  label: string;
  service: { service: string; protoFiles: string[] };
  method: string;
  weight: number;
  /** pre-generated requests, cycled through */
  requests: object[];
  /** a status this item is meant to produce (e.g. NOT_FOUND for typos); anything else counts as an error */
  expect?: grpc.status;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function pick<T>(xs: readonly T[], n: number, r: () => number): T[] {
  if (xs.length === 0) throw new Error('nothing to sample');
  return Array.from({ length: n }, () => xs[Math.floor(r() * xs.length)]);
}

/** Requests sampled from the catalog being served: real titles (with year when shared) and names. */
function workload(movies: Movie[]): WorkItem[] {
  const r = rng(42);
  const N = 2000;
  const byTitle = new Map<string, Movie[]>();
  for (const m of movies) byTitle.set(normalizeKey(m.title), [...(byTitle.get(normalizeKey(m.title)) ?? []), m]);
  const titleReqs = pick(movies, N, r).map((m) => {
    const shared = byTitle.get(normalizeKey(m.title))!;
    if (shared.length === 1) return { title: m.title };
    return shared.filter((x) => x.releaseYear === m.releaseYear).length === 1 ? { title: m.title, year: m.releaseYear } : { title: m.title, id: m.id };
  });
  const credited = movies.filter((m) => m.hasCredits);
  const actors = [...new Set(credited.flatMap((m) => m.cast.slice(0, 8)))];
  const directors = [...new Set(credited.flatMap((m) => m.directors))];
  const companies = [...new Set(movies.flatMap((m) => m.productionCompanies))];
  const collections = [...new Set(movies.flatMap((m) => (m.collection ? [m.collection.name] : [])))];
  const langCodes = [...new Set(movies.map((m) => m.originalLanguage).filter(Boolean))];
  const countryCodes = [...new Set(movies.flatMap((m) => m.productionCountries.map((c) => c.code)))];
  const months = ['1', '06', '12', 'enero', 'Febrero', 'MARZO', 'abril', 'mayo', 'June', 'july', 'Aug', 'septiembre', 'octubre', 'Nov', 'diciembre'];
  const weekdays = ['1', '7', 'lunes', 'Martes', 'miércoles', 'jueves', 'Friday', 'saturday', 'domingo', 'sun'];
  const languages = [...langCodes, 'inglés', 'English', 'francés', 'français', 'japonés', 'Italian', 'alemán', 'español'];
  const countries = [...countryCodes, 'Estados Unidos', 'United States of America', 'Francia', 'Reino Unido', 'Japan', 'Alemania', 'España'];
  const typo = (s: string) => {
    const i = 1 + Math.floor(r() * Math.max(1, s.length - 2));
    return s.slice(0, i) + s.slice(i + 1, i + 2) + s.slice(i, i + 1) + s.slice(i + 2) + 'q';
  };
  const items: WorkItem[] = [
    { label: 'ReleasesByMonth', service: CATALOG, method: 'ReleasesByMonth', weight: 1, requests: pick(months, N, r).map((month) => ({ month, limit: 10 })) },
    { label: 'ReleasesByWeekday', service: CATALOG, method: 'ReleasesByWeekday', weight: 1, requests: pick(weekdays, N, r).map((weekday) => ({ weekday, limit: 10 })) },
    { label: 'TitleScore', service: CATALOG, method: 'TitleScore', weight: 1, requests: titleReqs },
    { label: 'TitleVotes', service: CATALOG, method: 'TitleVotes', weight: 1, requests: titleReqs.map((t) => ({ ...t, title: t.title.toUpperCase() })) },
    { label: 'TitleRuntime', service: CATALOG, method: 'TitleRuntime', weight: 1, requests: titleReqs },
    { label: 'Actor', service: CATALOG, method: 'Actor', weight: 1, requests: pick(actors, N, r).map((name) => ({ name })) },
    { label: 'Director', service: CATALOG, method: 'Director', weight: 1, requests: pick(directors, N, r).map((name) => ({ name })) },
    { label: 'MoviesByLanguage', service: CATALOG, method: 'MoviesByLanguage', weight: 1, requests: pick(languages, N, r).map((language) => ({ language })) },
    { label: 'MoviesByCountry', service: CATALOG, method: 'MoviesByCountry', weight: 1, requests: pick(countries, N, r).map((country) => ({ country })) },
    { label: 'Franchise', service: CATALOG, method: 'Franchise', weight: 1, requests: pick(collections, N, r).map((name) => ({ name })) },
    { label: 'ProductionCompany', service: CATALOG, method: 'ProductionCompany', weight: 1, requests: pick(companies, N, r).map((name) => ({ name })) },
    { label: 'GetMovie', service: CATALOG, method: 'GetMovie', weight: 1, requests: pick(movies, N, r).map((m) => ({ id: m.id })) },
    {
      label: 'TitleScore typo->NOT_FOUND',
      service: CATALOG,
      method: 'TitleScore',
      weight: 0.5,
      expect: grpc.status.NOT_FOUND,
      requests: pick(movies, N, r)
        .map((m) => ({ title: typo(m.title) }))
        .filter((q) => !byTitle.has(normalizeKey(q.title))),
    },
    {
      label: 'SimilarMovies',
      service: { service: 'marquee.v1.RecommendService', protoFiles: ['marquee/v1/recommend.proto'] },
      method: 'SimilarMovies',
      weight: 1,
      requests: titleReqs.map((t) => ({ ...t, k: 5 })),
    },
  ];
  return items;
}

// ------------------------------------------------------------------ load generator

interface Stats {
  lat: number[];
  errors: Map<string, number>;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function drive(port: number, items: WorkItem[], seconds: number, concurrency: number, warmupSeconds: number) {
  const clients = new Map<string, MarqueeClient>();
  for (const it of items) {
    if (!clients.has(it.service.service)) clients.set(it.service.service, serviceClient(it.service.service, it.service.protoFiles, `127.0.0.1:${port}`));
  }
  // weighted round robin over the items
  const schedule: WorkItem[] = [];
  for (const it of items) for (let i = 0; i < Math.round(it.weight * 2); i++) schedule.push(it);
  const cursors = new Map<WorkItem, number>();
  let turn = 0;
  const next = () => {
    const it = schedule[turn++ % schedule.length];
    const c = cursors.get(it) ?? 0;
    cursors.set(it, c + 1);
    return { it, req: it.requests[c % it.requests.length] };
  };

  const run = async (ms: number, record: boolean) => {
    const stats = new Map<WorkItem, Stats>(items.map((it) => [it, { lat: [], errors: new Map() }]));
    const deadline = performance.now() + ms;
    const worker = async () => {
      while (performance.now() < deadline) {
        const { it, req } = next();
        const t0 = performance.now();
        let code: grpc.status = grpc.status.OK;
        try {
          await clients.get(it.service.service)!.call(it.method, req);
        } catch (err) {
          code = (err as grpc.ServiceError).code ?? grpc.status.UNKNOWN;
        }
        const dt = performance.now() - t0;
        if (!record) continue;
        const s = stats.get(it)!;
        s.lat.push(dt);
        if (code !== (it.expect ?? grpc.status.OK)) s.errors.set(grpc.status[code], (s.errors.get(grpc.status[code]) ?? 0) + 1);
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { stats, ms: performance.now() - t0 };
  };
  await run(warmupSeconds * 1000, false);
  const cpu0 = process.cpuUsage();
  const result = await run(seconds * 1000, true);
  const cpu = process.cpuUsage(cpu0);
  for (const c of clients.values()) c.close();
  return { ...result, clientCpuUs: cpu.user + cpu.system };
}

// ------------------------------------------------------------------ datasets

async function ensureFullArtifacts(rebuild: boolean): Promise<string | null> {
  if (!existsSync(path.join(SYNTH_FULL, 'synth.json'))) {
    console.log(`generating the full-size synthetic input in ${path.relative(PROJECT_ROOT, SYNTH_FULL)} ...`);
    const r = spawnSync('npx', ['tsx', 'pipeline/synth/cli.ts', '--movies', '45466', '--out', SYNTH_FULL], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      console.log('  could not generate it; skipping the full-size run');
      return null;
    }
  }
  if (rebuild || !existsSync(path.join(FULL_ARTIFACTS, 'CURRENT'))) {
    console.log(`building the full-size catalog into ${path.relative(PROJECT_ROOT, FULL_ARTIFACTS)} (one-off) ...`);
    await mkdir(FULL_ARTIFACTS, { recursive: true });
    const t0 = performance.now();
    await runInline(loadConfig({ dataDir: SYNTH_FULL, artifactsDir: FULL_ARTIFACTS, embedder: 'catalog', logLevel: 'warn' }), {
      log: createLogger('bench-build', 'warn'),
    });
    console.log(`  built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return FULL_ARTIFACTS;
}

function readCatalog(artifactsDir: string): Movie[] {
  const version = readFileSync(path.join(artifactsDir, 'CURRENT'), 'utf8').trim();
  return readFileSync(path.join(artifactsDir, version, 'catalog.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Movie);
}

/** The fuzzy index alone, in this process: build time and per-query latency on typo'd titles. */
function fuzzyBench(movies: Movie[]) {
  const t0 = performance.now();
  const s = new Suggester(movies.map((m) => m.title));
  const buildMs = performance.now() - t0;
  const r = rng(9);
  const queries = pick(movies, 3000, r).map((m) => m.title.slice(0, -2) + 'xq');
  for (const q of queries.slice(0, 200)) s.suggest(q);
  const lat = queries.map((q) => {
    const t = performance.now();
    s.suggest(q);
    return performance.now() - t;
  });
  lat.sort((a, b) => a - b);
  return { names: s.size, buildMs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
const f2 = (x: number) => x.toFixed(2);

async function benchDataset(name: string, artifactsDir: string, seconds: number, concurrency: number, profileDir?: string) {
  const movies = readCatalog(artifactsDir);
  console.log(`\n== ${name}: ${movies.length.toLocaleString('en-US')} movies (${artifactsDir})`);
  const fz = fuzzyBench(movies);
  console.log(`fuzzy index over ${fz.names.toLocaleString('en-US')} titles: built in ${fz.buildMs.toFixed(0)} ms; suggest p50 ${f2(fz.p50)} ms, p99 ${f2(fz.p99)} ms`);
  const items = workload(movies);
  // Memory of the catalog alone (tables + fuzzy indexes), then of the full server (every module's
  // per-version state, e.g. the recommendation index), which is what the load runs against.
  const bare = await startChild(artifactsDir, { catalogOnly: true });
  const bareStats = await bare.ask(true);
  bare.proc.send({ type: 'stop' } satisfies ToChild);
  await new Promise((r) => bare.proc.once('exit', r));
  console.log(`server, catalog module only: loaded in ${bare.loadMs} ms; RSS ${mb(bareStats.rss)} (heap ${mb(bareStats.heapUsed)} after a full GC)`);
  const server = await startChild(artifactsDir, { profileDir });
  const idle = await server.ask(true);
  console.log(`server, all modules: loaded and serving in ${server.loadMs} ms; RSS ${mb(idle.rss)} (heap ${mb(idle.heapUsed)} after a full GC)`);
  const before = await server.ask();
  const { stats, ms, clientCpuUs } = await drive(server.port, items, seconds, concurrency, 2);
  const after = await server.ask();
  server.proc.send({ type: 'stop' } satisfies ToChild);
  await new Promise((r) => server.proc.once('exit', r));

  const rows = [...stats.entries()].map(([it, s]) => {
    const sorted = [...s.lat].sort((a, b) => a - b);
    return {
      rpc: it.label,
      calls: s.lat.length,
      perSec: s.lat.length / (ms / 1000),
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      unexpected: Object.fromEntries(s.errors),
    };
  });
  const all = [...stats.values()].flatMap((s) => s.lat).sort((a, b) => a - b);
  const total = { calls: all.length, perSec: all.length / (ms / 1000), p50: quantile(all, 0.5), p99: quantile(all, 0.99) };
  const serverCpu = (after.cpuUs - before.cpuUs) / 1000 / ms;
  const clientCpu = clientCpuUs / 1000 / ms;
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('rpc', 28)}${pad('calls/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}unexpected`);
  for (const r of rows) {
    console.log(`${pad(r.rpc, 28)}${pad(r.perSec.toFixed(0), 10)}${pad(f2(r.p50), 9)}${pad(f2(r.p99), 9)}${Object.keys(r.unexpected).length ? JSON.stringify(r.unexpected) : '-'}`);
  }
  console.log(`${pad('TOTAL', 28)}${pad(total.perSec.toFixed(0), 10)}${pad(f2(total.p50), 9)}${pad(f2(total.p99), 9)}`);
  // CPU time per call is steadier than calls/s when other processes compete for the cores.
  const serverCpuUsPerCall = (after.cpuUs - before.cpuUs) / total.calls;
  console.log(
    `server RSS after load ${mb(after.rss)}; server CPU ${(serverCpu * 100).toFixed(0)}% of a core = ${serverCpuUsPerCall.toFixed(0)} µs per call; ` +
      `load generator CPU ${(clientCpu * 100).toFixed(0)}% ` +
      `(${concurrency} in flight, ${seconds} s; targets: p99 < 2 ms, > 5,000 calls/s)`,
  );
  return { name, movies: movies.length, fuzzy: fz, loadMs: server.loadMs, rssCatalogOnly: bareStats.rss, rssIdle: idle.rss, rssAfter: after.rss, serverCpu, serverCpuUsPerCall, clientCpu, total, rows };
}

/** The same load on a bare grpc-js server (constant answer): what the machine allows right now. */
async function baselineRun(seconds: number, concurrency: number) {
  const server = await startChild('bare');
  const item: WorkItem = { label: 'bare grpc-js TitleScore', service: CATALOG, method: 'TitleScore', weight: 1, requests: [{ title: 'Toy Story' }] };
  const before = await server.ask();
  const { stats, ms } = await drive(server.port, [item], seconds, concurrency, 1);
  const after = await server.ask();
  server.proc.send({ type: 'stop' } satisfies ToChild);
  await new Promise((r) => server.proc.once('exit', r));
  const lat = [...stats.get(item)!.lat].sort((a, b) => a - b);
  const r = {
    perSec: lat.length / (ms / 1000),
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    serverCpuUsPerCall: (after.cpuUs - before.cpuUs) / lat.length,
  };
  console.log(
    `baseline, bare grpc-js server with a constant answer: ${r.perSec.toFixed(0)} calls/s, p50 ${f2(r.p50)} ms, p99 ${f2(r.p99)} ms, ` +
      `server CPU ${r.serverCpuUsPerCall.toFixed(0)} µs per call`,
  );
  return r;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '32' },
      only: { type: 'string' },
      rebuild: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'catalog-only': { type: 'boolean', default: false },
    },
  });
  if (values.child) return child(values.child, values['catalog-only']);
  const profileDir = values.profile ? path.join(PROJECT_ROOT, 'data', 'bench', 'profiles') : undefined;
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  console.log(
    `bench:service on ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} ` +
      `(other processes share the CPU: figures are noisy)`,
  );
  const baseline = await baselineRun(Math.min(seconds, 5), concurrency);
  const results = [];
  if (values.only !== 'real') {
    const full = await ensureFullArtifacts(values.rebuild);
    if (full) results.push(await benchDataset('full-size SYNTHETIC catalog', full, seconds, concurrency, profileDir));
  }
  if (values.only !== 'full') results.push(await benchDataset('REAL shared catalog (partial)', await realArtifacts(), seconds, concurrency, profileDir));
  if (profileDir) console.log(`server CPU profiles (open in Chrome DevTools): ${path.relative(PROJECT_ROOT, profileDir)}`);
  await mkdir(path.dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({ at: new Date().toISOString(), loadavg: os.loadavg(), seconds, concurrency, baseline, results }, null, 2));
  console.log(`\nresults: ${path.relative(PROJECT_ROOT, RESULTS)}`);
}

await main();

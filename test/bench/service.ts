// npm run bench:service [-- --seconds 5 --concurrency 32 --only real|full --rpc TitleScore,Director --protocols grpc,http --rebuild --profile]
//
// Measures the SERVER, not a client: the load comes from h2load (nghttp2's native HTTP/2 load
// generator, Debian package nghttp2-client; installed here with apt when missing and running as
// root), sending gRPC-framed request bodies over one HTTP/2 connection with `concurrency` streams
// in flight. A JavaScript client on the same two cores would measure itself (grpc-js tops out near
// 3-4k calls/s here while the server does far more).
//
// Runs, in child processes so RSS and CPU are the server's own:
//   - a BARE grpc-js server answering TitleScore with a constant: the transport ceiling, measured
//     at the start and at the end of the run (the mean is the ceiling; the spread shows drift);
//   - Marquee on the full-size SYNTHETIC catalog (45,466 movies; generated if missing) and on the
//     REAL shared catalog: every catalog RPC, a typo'd title (NOT_FOUND with suggestions) and
//     SimilarMovies, one h2load run each with a request sampled from the catalog being served
//     (its answer is checked once with a grpc-js client before the run).
// Prints per RPC: calls/s, p50, p99 (from h2load's per-request log) and the share of the bare
// ceiling. Targets: p99 < 2 ms for catalog queries and < 5 ms for SimilarMovies at 32 in flight;
// at least 80% of the bare ceiling.
// Then the same RPCs over the HTTP/JSON listener (Connect protocol, JSON bodies, HTTP/1.1 as curl
// and browsers reach it: `concurrency` connections with one request in flight each), beside the
// same-run ceiling of a bare Fastify + Connect server answering TitleScore with a constant, and
// the ratio to the gRPC figure of the same RPC. Last, the page's first render in headless Chromium
// (when Debian's chromium is installed).
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { ensureH2load, grpcFrame, h2load, quantile, type LoadResult } from './h2load.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { runInline } from '../../pipeline/inline.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';
import { serviceClient } from '../../service/client.js';
import { Suggester } from '../../service/normalize/fuzzy.js';
import { normalizeKey } from '../../service/normalize/text.js';
import { loadProtos } from '../../service/proto.js';
import { catalogModule } from '../../service/catalog/module.js';
import { descriptors } from '../../service/protocol/descriptors.js';
import { fastifyConnectPlugin } from '@connectrpc/connect-fastify';
import Fastify from 'fastify';
import { startServer } from '../../service/server.js';
import { realArtifacts } from '../helpers/real-artifacts.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const SYNTH_FULL = path.join(PROJECT_ROOT, 'data', 'synth', 'full');
const FULL_ARTIFACTS = path.join(PROJECT_ROOT, 'data', 'bench', 'service-full-artifacts');
const RESULTS = path.join(PROJECT_ROOT, 'data', 'bench', 'service-last.json');
const CATALOG = { service: 'marquee.v1.CatalogService', protoFiles: ['marquee/v1/catalog.proto'] };

// ------------------------------------------------------------------ child: the server

type ToChild = { type: 'stats'; gc?: boolean } | { type: 'stop' };
type FromChild = { type: 'ready'; port: number; httpPort: number; loadMs: number } | { type: 'stats'; rss: number; cpuUs: number; heapUsed: number };

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
  // the HTTP/JSON counterpart: the same Fastify + Connect stack as the service, a constant answer
  const app = Fastify({ logger: false });
  const method = descriptors().registry.getService(CATALOG.service)!.methods.find((m) => m.name === 'TitleScore')!;
  await app.register(fastifyConnectPlugin, {
    grpc: false,
    grpcWeb: false,
    routes: (router) => void router.rpc(method, (() => answer) as never),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const httpPort = (app.server.address() as { port: number }).port;
  process.send!({ type: 'ready', port, httpPort, loadMs: 0 } satisfies FromChild);
  process.on('message', (m: ToChild) => {
    if (m.type === 'stats') {
      const cpu = process.cpuUsage();
      process.send!({ type: 'stats', rss: process.memoryUsage.rss(), cpuUs: cpu.user + cpu.system, heapUsed: process.memoryUsage().heapUsed } satisfies FromChild);
    } else {
      server.forceShutdown();
      void app.close().then(() => process.exit(0));
    }
  });
}

async function child(artifactsDir: string, catalogOnly: boolean): Promise<void> {
  if (artifactsDir === 'bare') return bareChild();
  const t0 = performance.now();
  const running = await startServer({
    config: loadConfig({ artifactsDir, logLevel: 'warn' }),
    addr: '127.0.0.1:0',
    http: { addr: '127.0.0.1:0' },
    log: createLogger('bench-server', 'warn'),
    watch: false,
    ...(catalogOnly && { modules: [catalogModule] }),
  });
  const send = (m: FromChild) => process.send!(m);
  send({ type: 'ready', port: running.port, httpPort: running.http!.port, loadMs: Math.round(performance.now() - t0) });
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
): Promise<{ proc: ChildProcess; port: number; httpPort: number; loadMs: number; ask: (gc?: boolean) => Promise<Extract<FromChild, { type: 'stats' }>> }> {
  const args = ['--child', artifactsDir, ...(opts.catalogOnly ? ['--catalog-only'] : [])];
  const execArgv = ['--import', 'tsx', '--expose-gc', ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [])];
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
      if (m.type === 'ready') resolve({ proc, port: m.port, httpPort: m.httpPort, loadMs: m.loadMs, ask });
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

// ------------------------------------------------------------------ load generator (h2load)

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
const pad = (x: string, n: number) => x.padEnd(n);

interface Row extends LoadResult {
  rpc: string;
  share: number;
  target: number;
}

/** Checks the request once with a real client: the load must measure the answer we mean. */
async function checkAnswer(port: number, it: WorkItem, req: object): Promise<void> {
  const c = serviceClient(it.service.service, it.service.protoFiles, `127.0.0.1:${port}`);
  try {
    await c.call(it.method, req);
    if (it.expect !== undefined) throw new Error(`${it.label}: expected ${grpc.status[it.expect]}, got OK`);
  } catch (err) {
    const code = (err as grpc.ServiceError).code;
    if (code !== it.expect) throw err;
  } finally {
    c.close();
  }
}

function encode(it: WorkItem, req: object): Buffer {
  const svc = loadProtos()[it.service.service] as grpc.ServiceDefinition;
  return grpcFrame(svc[it.method].requestSerialize(req));
}

interface Ceilings {
  grpc: () => number;
  http: () => number;
}

async function benchDataset(
  name: string,
  artifactsDir: string,
  bin: string,
  seconds: number,
  concurrency: number,
  ceilings: Ceilings,
  only: Set<string> | null,
  protocols: Set<string>,
  profileDir?: string,
) {
  const ceiling = ceilings.grpc;
  const movies = readCatalog(artifactsDir);
  console.log(`\n== ${name}: ${movies.length.toLocaleString('en-US')} movies (${path.relative(PROJECT_ROOT, artifactsDir)})`);
  const fz = fuzzyBench(movies);
  console.log(`fuzzy index over ${fz.names.toLocaleString('en-US')} titles: built in ${fz.buildMs.toFixed(0)} ms; suggest p50 ${f2(fz.p50)} ms, p99 ${f2(fz.p99)} ms`);
  const items = workload(movies).filter((it) => !only || only.has(it.label) || only.has(it.method));
  const server = await startChild(artifactsDir, { profileDir });
  const idle = await server.ask(true);
  console.log(`server: loaded and serving in ${server.loadMs} ms; RSS ${mb(idle.rss)} (heap ${mb(idle.heapUsed)} after a full GC)`);
  console.log(`${pad('rpc', 28)}${pad('calls/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('of bare', 9)}target`);
  const rows: Row[] = [];
  const before = await server.ask();
  for (const it of protocols.has('grpc') ? items : []) {
    const req = it.requests[0];
    await checkAnswer(server.port, it, req);
    const r = await h2load(bin, `http://127.0.0.1:${server.port}/${it.service.service}/${it.method}`, encode(it, req), seconds, concurrency);
    const target = it.method === 'SimilarMovies' ? 5 : 2;
    const row = { rpc: it.label, ...r, share: r.perSec / ceiling(), target };
    rows.push(row);
    const met = row.p99 < target && row.share >= 0.8 && row.failed === 0;
    console.log(
      `${pad(row.rpc, 28)}${pad(row.perSec.toFixed(0), 10)}${pad(f2(row.p99 > 0 ? row.p50 : NaN), 9)}${pad(f2(row.p99), 9)}${pad(f2(row.max), 9)}` +
        `${pad(`${(row.share * 100).toFixed(0)}%`, 9)}p99 < ${target} ms, >= 80%: ${met ? 'MET' : 'MISSED'}${row.failed ? ` (${row.failed} failed)` : ''}`,
    );
  }
  const httpRows: (Row & { ofGrpc: number })[] = [];
  if (protocols.has('http')) {
    console.log(`HTTP/JSON (Connect, HTTP/1.1, ${concurrency} connections x 1 in flight)`);
    console.log(`${pad('rpc', 28)}${pad('calls/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('of bare', 9)}of gRPC`);
    for (const it of items) {
      const okStatus = it.expect === grpc.status.NOT_FOUND ? '404' : '200';
      const url = `http://127.0.0.1:${server.httpPort}/${it.service.service}/${it.method}`;
      const body = Buffer.from(JSON.stringify(it.requests[0]), 'utf8');
      const check = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (String(check.status) !== okStatus) throw new Error(`${it.label} over HTTP/JSON: ${check.status} ${await check.text()}`);
      const r = await h2load(bin, url, body, seconds, concurrency, { mode: 'json', okStatus });
      const viaGrpc = rows.find((x) => x.rpc === it.label);
      const row = { rpc: it.label, ...r, share: r.perSec / ceilings.http(), target: 0, ofGrpc: viaGrpc ? r.perSec / viaGrpc.perSec : NaN };
      httpRows.push(row);
      console.log(
        `${pad(row.rpc, 28)}${pad(row.perSec.toFixed(0), 10)}${pad(f2(row.p50), 9)}${pad(f2(row.p99), 9)}${pad(f2(row.max), 9)}` +
          `${pad(`${(row.share * 100).toFixed(0)}%`, 9)}${Number.isNaN(row.ofGrpc) ? '' : `${(row.ofGrpc * 100).toFixed(0)}%`}${row.failed ? ` (${row.failed} failed)` : ''}`,
      );
    }
    const hs = httpRows.map((r) => r.share).sort((a, b) => a - b);
    const hg = httpRows.map((r) => r.ofGrpc).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    console.log(
      `HTTP/JSON: median share of its bare ceiling ${(quantile(hs, 0.5) * 100).toFixed(0)}%` +
        (hg.length ? `; median ${(quantile(hg, 0.5) * 100).toFixed(0)}% of the same RPC's gRPC calls/s` : ''),
    );
  }
  const after = await server.ask();
  const settled = await server.ask(true);
  server.proc.send({ type: 'stop' } satisfies ToChild);
  await new Promise((r) => server.proc.once('exit', r));
  const calls = [...rows, ...httpRows].reduce((a, r) => a + r.calls, 0);
  const cpuUsPerCall = (after.cpuUs - before.cpuUs) / calls;
  const shares = rows.map((r) => r.share).sort((a, b) => a - b);
  console.log(
    (shares.length ? `gRPC: median share of the bare ceiling ${(quantile(shares, 0.5) * 100).toFixed(0)}% (lowest ${(shares[0] * 100).toFixed(0)}%); ` : '') +
      `server CPU ${cpuUsPerCall.toFixed(0)} µs per call; RSS after the runs ${mb(after.rss)}, ${mb(settled.rss)} after a full GC (heap ${mb(settled.heapUsed)})`,
  );
  return { name, movies: movies.length, fuzzy: fz, loadMs: server.loadMs, rssIdle: idle.rss, rssAfter: after.rss, rssSettled: settled.rss, cpuUsPerCall, rows, httpRows };
}

/** The same load on bare servers answering a constant: the transport ceilings right now. */
async function bareCeiling(bin: string, seconds: number, concurrency: number, protocols: Set<string>): Promise<{ grpc?: LoadResult; http?: LoadResult }> {
  const server = await startChild('bare');
  const item: WorkItem = { label: 'bare', service: CATALOG, method: 'TitleScore', weight: 1, requests: [{ title: 'Toy Story' }] };
  const out: { grpc?: LoadResult; http?: LoadResult } = {};
  if (protocols.has('grpc')) {
    const before = await server.ask();
    const r = await h2load(bin, `http://127.0.0.1:${server.port}/${CATALOG.service}/TitleScore`, encode(item, item.requests[0]), seconds, concurrency);
    const after = await server.ask();
    console.log(
      `bare grpc-js server, constant answer: ${r.perSec.toFixed(0)} calls/s, p50 ${f2(r.p50)} ms, p99 ${f2(r.p99)} ms, max ${f2(r.max)} ms, ` +
        `server CPU ${((after.cpuUs - before.cpuUs) / r.calls).toFixed(0)} µs per call`,
    );
    out.grpc = r;
  }
  if (protocols.has('http')) {
    const before = await server.ask();
    const r = await h2load(bin, `http://127.0.0.1:${server.httpPort}/${CATALOG.service}/TitleScore`, Buffer.from('{"title":"Toy Story"}'), seconds, concurrency, { mode: 'json' });
    const after = await server.ask();
    console.log(
      `bare Fastify + Connect server (HTTP/1.1 JSON), constant answer: ${r.perSec.toFixed(0)} calls/s, p50 ${f2(r.p50)} ms, p99 ${f2(r.p99)} ms, ` +
        `max ${f2(r.max)} ms, server CPU ${((after.cpuUs - before.cpuUs) / r.calls).toFixed(0)} µs per call`,
    );
    out.http = r;
  }
  server.proc.send({ type: 'stop' } satisfies ToChild);
  await new Promise((res) => server.proc.once('exit', res));
  return out;
}

/** The page's first render in headless Chromium: navigation start to the home view's content. */
async function pageFirstRender(): Promise<void> {
  const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath) || !existsSync(path.join(PROJECT_ROOT, 'web', 'dist', 'index.html'))) {
    console.log('\npage first render: skipped (needs Debian chromium and npm run build)');
    return;
  }
  const server = await startChild(await realArtifacts());
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const page = await browser.newPage();
      const t0 = performance.now();
      await page.goto(`http://127.0.0.1:${server.httpPort}/`);
      await page.getByText('The catalog being served').waitFor();
      await page.locator('.facts').waitFor();
      times.push(performance.now() - t0);
      await page.close();
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    console.log(`\npage first render (real catalog, loopback, to the home view with the catalog's figures): first load ${times[0].toFixed(0)} ms, then median ${quantile(warm, 0.5).toFixed(0)} ms, max ${warm[warm.length - 1].toFixed(0)} ms (target < 1 s: ${Math.max(...times) < 1000 ? 'MET' : 'MISSED'})`);
  } finally {
    await browser.close();
    server.proc.send({ type: 'stop' } satisfies ToChild);
    await new Promise((res) => server.proc.once('exit', res));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      seconds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '32' },
      only: { type: 'string' },
      rpc: { type: 'string' },
      rebuild: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'catalog-only': { type: 'boolean', default: false },
      protocols: { type: 'string', default: 'grpc,http' },
    },
  });
  if (values.child) return child(values.child, values['catalog-only']);
  const bin = ensureH2load();
  if (!bin) process.exit(2);
  const profileDir = values.profile ? path.join(PROJECT_ROOT, 'data', 'bench', 'profiles') : undefined;
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const only = values.rpc ? new Set(values.rpc.split(',')) : null;
  console.log(
    `bench:service on ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ` +
      `h2load, ${concurrency} streams in flight on one connection, ${seconds} s per run after a 1 s warm-up`,
  );
  const protocols = new Set(values.protocols!.split(','));
  const bare = [await bareCeiling(bin, seconds, concurrency, protocols)];
  const mean = (k: 'grpc' | 'http') => () => {
    const xs = bare.map((b) => b[k]?.perSec).filter((x): x is number => x !== undefined);
    return xs.reduce((a, x) => a + x, 0) / xs.length;
  };
  const ceilings: Ceilings = { grpc: mean('grpc'), http: mean('http') };
  const results = [];
  if (values.only !== 'real') {
    const full = await ensureFullArtifacts(values.rebuild);
    if (full) results.push(await benchDataset('full-size SYNTHETIC catalog', full, bin, seconds, concurrency, ceilings, only, protocols, profileDir));
  }
  if (values.only !== 'full') results.push(await benchDataset('REAL shared catalog (partial)', await realArtifacts(), bin, seconds, concurrency, ceilings, only, protocols, profileDir));
  bare.push(await bareCeiling(bin, seconds, concurrency, protocols));
  for (const k of ['grpc', 'http'] as const) {
    if (protocols.has(k)) console.log(`\nbare ${k} ceiling: ${bare.map((c) => c[k]!.perSec.toFixed(0)).join(' then ')} calls/s (start, end); shares above use the running mean`);
  }
  if (protocols.has('http')) await pageFirstRender();
  if (profileDir) console.log(`server CPU profiles (open in Chrome DevTools): ${path.relative(PROJECT_ROOT, profileDir)}`);
  await mkdir(path.dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, JSON.stringify({ at: new Date().toISOString(), loadavg: os.loadavg(), seconds, concurrency, bare, results }, null, 2));
  console.log(`results: ${path.relative(PROJECT_ROOT, RESULTS)}`);
}

await main();

// npm run bench:scale [-- --sizes 45466,200000,1000000 --seconds 10 --concurrency 32 --keep]
// npm run bench:scale -- --service-only <kept artifacts dir> [--log-level info]
//
// How Marquee grows on one machine. For each size: synthesises the TMDB input (data/synth/scale-N,
// reused when present), runs the inline pipeline cold (fresh artifacts dir) and warm (same dir: every
// cache reused), then starts the compiled service (`node --trace-gc dist/service/main.js`) on that
// artifacts dir and measures start -> SERVING, RSS at SERVING, TitleScore under h2load at 32 in
// flight, GC pauses under load, and a hot swap under load (CURRENT switched to the other version
// while h2load runs). RSS is sampled every 200 ms over the whole process tree (worker threads and the
// embed child included). Prints one line per measurement, a table, and the 200k -> 1M growth ratios.
// Platforms are left out (MARQUEE_PLATFORMS_DIR=none): their size is fixed by the real lists.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import type { Manifest } from '../../pipeline/types.js';
import { loadProtos } from '../../service/proto.js';
import { SERVICE_NODE_FLAGS } from '../../service/gc-tuning.js';
import { PIPELINE_NODE_FLAGS } from '../../pipeline/runtime/node-flags.js';
import { ensureH2load, grpcFrame, h2load, type LoadResult } from './h2load.js';
import { gcPauseOf } from './trace-gc.js';
import { readEmbeddings } from '../../pipeline/embed/matrix.js';
import { exactTopK, rowOf } from '../../pipeline/index/exact.js';
import { loadIndex } from '../../pipeline/index/hnsw.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '45466,200000,1000000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    /** keep the artifacts dirs (printed) instead of removing them */
    keep: { type: 'boolean', default: false },
    'skip-service': { type: 'boolean', default: false },
    /** only the service part, on an artifacts dir kept by --keep (CURRENT = the warm version, the other one = the cold) */
    'service-only': { type: 'string' },
    /** the service's LOG_LEVEL (info shows each load step's time) */
    'log-level': { type: 'string', default: 'warn' },
  },
});
const sizes = values.sizes.split(',').map((s) => Number(s.replace(/_/g, '')));
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const PAGE = 4096;

// ---- process-tree RSS ------------------------------------------------------------------------

function children(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(d));
      kids.set(ppid, list);
    } catch {
      // gone between readdir and read
    }
  }
  return kids;
}

function treeRss(root: number): number {
  const kids = children();
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    try {
      total += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
    } catch {
      continue;
    }
    stack.push(...(kids.get(pid) ?? []));
  }
  return total;
}

class RssSampler {
  peak = 0;
  private timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, treeRss(this.pid))), 200);
  }
  stop(): number {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, treeRss(this.pid));
    return this.peak;
  }
}

// ---- helpers ---------------------------------------------------------------------------------

function du(dir: string): number {
  const out = spawnSync('du', ['-sb', dir], { encoding: 'utf8' }).stdout;
  return Number(out.split('\t')[0]) || 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

// binary units: the issue's "4 GB" and "2 GB" targets are met in both units only under 3.73 GiB and 1.86 GiB
const gb = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB (${(b / 1e9).toFixed(2)} GB)`;
const mb = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string; peakRss: number; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const rss = new RssSampler(p.pid!);
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
    p.on('exit', (code) => resolve({ code, out, err, peakRss: rss.stop(), ms: performance.now() - t0 }));
  });
}

async function synth(n: number): Promise<string> {
  const dir = path.join(PROJECT_ROOT, 'data', 'synth', `scale-${n}`);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  console.log(`synthesising ${n} movies into ${path.relative(PROJECT_ROOT, dir)} ...`);
  const r = await runNode(['--import', 'tsx', 'pipeline/synth/cli.ts', '--movies', String(n), '--out', dir, '--gzip-level', '1'], process.env);
  if (r.code !== 0) throw new Error(`data:synth failed:\n${r.err}`);
  await writeFile(path.join(dir, '.complete'), new Date().toISOString());
  return dir;
}

interface PipelineRun {
  ms: number;
  peakRss: number;
  version: string;
  stages: Manifest['stages'];
  movies: number;
  versionBytes: number;
  extractRemovedBytes: number;
  /** embed: fit / embedding; index: graph build / similar lists */
  fitMs: number;
  embedMs: number;
  graphMs: number;
  listsMs: number;
  shards: number;
  /** threads that inserted into the graph (the parallel-graph addon; 1: reproducible) */
  buildThreads: number;
}

/** "2 shards" (hnswlib-node, a thread each) or "1 graph, 2 threads" (the parallel-graph addon). */
function graphShape(r: PipelineRun): string {
  return r.shards > 1 ? `${r.shards} shards` : `1 graph, ${r.buildThreads} thread${r.buildThreads > 1 ? 's' : ''}`;
}

async function pipeline(data: string, artifacts: string): Promise<PipelineRun> {
  const r = await runNode([...PIPELINE_NODE_FLAGS, 'dist/workers/cli.js', '--inline', '--json', '--data-dir', data, '--artifacts-dir', artifacts], {
    ...process.env,
    MARQUEE_EMBEDDER: 'catalog',
    MARQUEE_PLATFORMS_DIR: 'none',
    LOG_LEVEL: 'warn',
  });
  if (r.code !== 0) throw new Error(`pipeline failed (exit ${r.code}):\n${r.err.slice(-4000)}`);
  const m = JSON.parse(r.out.slice(r.out.indexOf('{'))) as Manifest;
  const info = m.info as Record<string, Record<string, unknown> | undefined>;
  const publish = info.publish as { intermediatesRemovedBytes?: number } | undefined;
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    ms: r.ms,
    peakRss: r.peakRss,
    version: m.version,
    stages: m.stages,
    movies: m.counts.movies_published ?? 0,
    versionBytes: du(path.join(artifacts, m.version)),
    extractRemovedBytes: publish?.intermediatesRemovedBytes ?? 0,
    fitMs: num(info.embed?.fitMs),
    embedMs: num(info.embed?.embedMs),
    graphMs: num(info.index?.buildMs),
    listsMs: num((info.index?.similarLists as { ms?: number } | null | undefined)?.ms),
    shards: num(info.index?.shards) || 1,
    buildThreads: num(info.index?.buildThreads) || 1,
  };
}

/** recall@10 of the version's index against exact cosine search over sampled rows, at the shipped ef and above. */
async function recallAt10(dir: string, queries: number): Promise<{ ef: number; recall: number }[]> {
  const { matrix, meta } = await readEmbeddings(dir);
  const { index, meta: im } = await loadIndex(dir);
  const rows = Array.from({ length: queries }, (_, j) => Math.floor(((j + 0.5) * meta.count) / queries));
  const truth = rows.map((r) => new Set(exactTopK(matrix, meta.dims, rowOf(matrix, meta.dims, r), 10).map((x) => x.row)));
  const out: { ef: number; recall: number }[] = [];
  // the served ef first (searchEf; older versions: ef), then the sweep
  for (const ef of [im.searchEf ?? im.ef, 96, 128, 192, 256].filter((e, i, a) => a.indexOf(e) === i)) {
    index.setEf(ef);
    let hits = 0;
    rows.forEach((r, j) => (hits += index.searchKnn(Array.from(rowOf(matrix, meta.dims, r)), 10).neighbors.filter((x) => truth[j].has(x)).length));
    out.push({ ef, recall: hits / (10 * queries) });
  }
  return out;
}

// ---- the service -----------------------------------------------------------------------------

interface GcEvent {
  at: number;
  kind: string;
  pauseMs: number;
  /** the --trace-gc line */
  line: string;
}

class Service {
  readonly gc: GcEvent[] = [];
  /** swaps the service refused (state.ts: the version would not fit beside the served one) */
  readonly refusals: string[] = [];
  private proc!: ChildProcess;
  port = 0;
  private buf = '';

  async start(artifacts: string): Promise<{ servingMs: number; rss: number }> {
    this.port = await freePort();
    const t0 = performance.now();
    this.proc = spawn(process.execPath, ['--trace-gc', ...SERVICE_NODE_FLAGS, 'dist/service/main.js'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, MARQUEE_ARTIFACTS_DIR: artifacts, MARQUEE_GRPC_ADDR: `127.0.0.1:${this.port}`, MARQUEE_HTTP_ADDR: 'off', LOG_LEVEL: values['log-level'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (d: Buffer) => this.onOut(d.toString()));
    // the service logs to stderr: a refused swap is seen there
    this.proc.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d);
      for (const l of d.toString().split('\n')) this.noteRefusal(l);
    });
    await this.waitServing(t0 + 600_000);
    const servingMs = performance.now() - t0;
    return { servingMs, rss: treeRss(this.proc.pid!) };
  }

  get pid(): number {
    return this.proc.pid!;
  }

  private onOut(text: string): void {
    this.buf += text;
    const lines = this.buf.split('\n');
    this.buf = lines.pop()!;
    for (const l of lines) {
      const g = gcPauseOf(l);
      if (g) this.gc.push({ at: performance.now(), ...g, line: l.trim() });
    }
  }

  private noteRefusal(line: string): void {
    if (line.startsWith('{') && line.includes('needs about')) this.refusals.push((JSON.parse(line) as { msg: string }).msg);
  }

  async waitServing(deadline: number): Promise<void> {
    const client = new grpc.Client(`127.0.0.1:${this.port}`, grpc.credentials.createInsecure());
    const check = (): Promise<number> =>
      new Promise((resolve) => {
        client.makeUnaryRequest(
          '/grpc.health.v1.Health/Check',
          (x: Buffer) => x,
          (b: Buffer) => b,
          Buffer.from([0x0a, 0x00]),
          { deadline: Date.now() + 1000 },
          (err, res) => resolve(err || !res ? -1 : res.length >= 2 ? res[res.length - 1] : 0),
        );
      });
    try {
      for (;;) {
        if (this.proc.exitCode !== null) throw new Error(`service exited ${this.proc.exitCode}`);
        if ((await check()) === 1) return;
        if (performance.now() > deadline) throw new Error('service did not reach SERVING');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.close();
    }
  }

  /** Milliseconds until an unknown actor's NOT_FOUND no longer says the suggestions are being built. */
  async waitSuggestions(deadline: number): Promise<number> {
    const t0 = performance.now();
    const client = new grpc.Client(`127.0.0.1:${this.port}`, grpc.credentials.createInsecure());
    const actor = (loadProtos()['marquee.v1.CatalogService'] as grpc.ServiceDefinition).Actor;
    const pending = (): Promise<boolean> =>
      new Promise((resolve) =>
        client.makeUnaryRequest(actor.path, actor.requestSerialize, actor.responseDeserialize, { name: 'Zqxv Wkpj Nobody' }, { deadline: Date.now() + 5000 }, (err) =>
          resolve(!!err && /no suggestions yet/.test(err.details ?? '')),
        ),
      );
    try {
      while (await pending()) {
        if (performance.now() > deadline) throw new Error('the suggesters were not built in time');
        await new Promise((r) => setTimeout(r, 250));
      }
      return performance.now() - t0;
    } finally {
      client.close();
    }
  }

  alive(): boolean {
    return this.proc.exitCode === null;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    await new Promise((r) => this.proc.once('exit', r));
  }
}

function titleScoreBody(title: string): Buffer {
  const svc = loadProtos()['marquee.v1.CatalogService'] as grpc.ServiceDefinition;
  return grpcFrame(svc.TitleScore.requestSerialize({ title }));
}

async function firstTitle(artifacts: string, version: string): Promise<string> {
  const m = JSON.parse(await readFile(path.join(artifacts, version, 'manifest.json'), 'utf8')) as Manifest;
  const file = path.join(artifacts, version, m.files.catalog ?? 'catalog.jsonl');
  // the first line only: at 10^6 movies the file is a gigabyte
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: createReadStream(file) });
  for await (const line of rl) {
    rl.close();
    return (JSON.parse(line) as { title: string }).title;
  }
  throw new Error(`${file} is empty`);
}

// ---- one size --------------------------------------------------------------------------------

interface Row {
  n: number;
  movies: number;
  cold: PipelineRun;
  warm: PipelineRun;
  recall: { ef: number; recall: number }[];
  servingMs?: number;
  servingRss?: number;
  /** start -> the title, actor and director suggesters built (a first large load builds them after SERVING) */
  suggestersMs?: number;
  suggestersRss?: number;
  load?: LoadResult;
  gcMaxUnderLoad?: number;
  gcMaxKind?: string;
  swap?: LoadResult & { swapMs: number; peakRss: number; gcMax: number; stayedUp: boolean; refused?: string };
}

async function benchSize(n: number): Promise<Row> {
  const data = await synth(n);
  const artifacts = await mkdtemp(path.join(os.tmpdir(), `mq-scale-${n}-`));
  try {
    const cold = await pipeline(data, artifacts);
    console.log(`${n}: cold pipeline ${s1(cold.ms)}, peak RSS ${gb(cold.peakRss)}, version ${mb(cold.versionBytes)} (${mb(cold.extractRemovedBytes)} of extract/ removed); stages ${stageList(cold.stages)}`);
    // 400 rows: at 10^6, 100 rows gave 0.997 where 200 others gave 0.964 on one graph (a few rows miss whole)
    const queries = 400;
    const recall = await recallAt10(path.join(artifacts, cold.version), queries);
    console.log(`${n}: recall@10 ${recall.map((x) => `${x.recall.toFixed(3)} at ef ${x.ef}`).join(', ')} over ${queries} rows (${graphShape(cold)}); graph ${s1(cold.graphMs)}, lists ${s1(cold.listsMs)}, fit ${s1(cold.fitMs)}, embedding ${s1(cold.embedMs)}`);
    const warm = await pipeline(data, artifacts);
    console.log(`${n}: warm pipeline ${s1(warm.ms)}, peak RSS ${gb(warm.peakRss)}; stages ${stageList(warm.stages)}`);
    const row: Row = { n, movies: cold.movies, cold, warm, recall };
    if (values['skip-service']) return row;
    await measureService(row, artifacts, warm.version, cold.version);
    return row;
  } finally {
    if (values.keep) console.log(`${n}: artifacts kept in ${artifacts}`);
    else await rm(artifacts, { recursive: true, force: true });
  }
}

/** start -> SERVING, RSS, TitleScore under h2load with its GC pauses, and a hot swap to `swapTo` under load. */
async function measureService(
  row: Pick<Row, 'n' | 'servingMs' | 'servingRss' | 'suggestersMs' | 'suggestersRss' | 'load' | 'gcMaxUnderLoad' | 'gcMaxKind' | 'swap'>,
  artifacts: string,
  served: string,
  swapTo: string,
): Promise<void> {
  const n = row.n;
  const h2 = ensureH2load();
  if (!h2) throw new Error('bench:scale needs h2load (apt-get install nghttp2-client)');
  const svc = new Service();
  try {
    const st = await svc.start(artifacts);
    row.servingMs = st.servingMs;
    row.servingRss = st.rss;
    console.log(`${n}: service SERVING after ${s1(st.servingMs)}, RSS ${mb(st.rss)}`);
    // the steady state starts once the "did you mean" indexes are built too (tables.ts LATE_SUGGESTERS_FROM)
    row.suggestersMs = st.servingMs + (await svc.waitSuggestions(performance.now() + 600_000));
    row.suggestersRss = treeRss(svc.pid);
    console.log(`${n}: suggesters built ${s1(row.suggestersMs)} after start, RSS ${mb(row.suggestersRss)}`);
    const body = titleScoreBody(await firstTitle(artifacts, served));
    const url = `http://127.0.0.1:${svc.port}/marquee.v1.CatalogService/TitleScore`;
    const gcFrom = svc.gc.length;
    row.load = await h2load(h2, url, body, SECONDS, CONCURRENCY);
    const under = svc.gc.slice(gcFrom);
    const worst = under.reduce((a, g) => (g.pauseMs > a.pauseMs ? g : a), { pauseMs: 0, kind: '-', at: 0, line: '' });
    row.gcMaxUnderLoad = worst.pauseMs;
    row.gcMaxKind = worst.kind;
    console.log(`${n}: TitleScore ${Math.round(row.load.perSec)}/s, p50 ${row.load.p50.toFixed(2)} ms, p99 ${row.load.p99.toFixed(2)} ms, max ${row.load.max.toFixed(1)} ms, failed ${row.load.failed}; longest GC pause ${worst.pauseMs.toFixed(1)} ms (${worst.kind}, ${under.length} GCs)`);
    if (worst.line) console.log(`${n}:   longest: ${worst.line}`);

    // hot swap under load: CURRENT back to the cold version while h2load runs
    const swapSeconds = Math.max(SECONDS, 30);
    const sampler = new RssSampler(svc.pid);
    const gcSwap = svc.gc.length;
    const loadP = h2load(h2, url, body, swapSeconds, CONCURRENCY);
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = performance.now();
    await writeFile(path.join(artifacts, 'CURRENT'), swapTo + '\n');
    const swapMs = await waitForVersion(svc, swapTo, t0);
    const swapLoad = await loadP;
    const swapGc = svc.gc.slice(gcSwap).reduce((a, g) => Math.max(a, g.pauseMs), 0);
    row.swap = { ...swapLoad, swapMs, peakRss: sampler.stop(), gcMax: swapGc, stayedUp: svc.alive(), refused: svc.refusals.at(-1) };
    if (row.swap.refused) console.log(`${n}: swap refused by the service: ${row.swap.refused}`);
    console.log(
      `${n}: hot swap under load ${swapMs < 0 ? 'did not complete' : s1(swapMs)}, ${Math.round(swapLoad.perSec)}/s, p99 ${swapLoad.p99.toFixed(2)} ms, max ${swapLoad.max.toFixed(1)} ms, failed ${swapLoad.failed}, peak RSS ${gb(row.swap.peakRss)}, longest GC ${swapGc.toFixed(1)} ms, service ${row.swap.stayedUp ? 'up' : 'DIED'}`,
    );
  } finally {
    await svc.stop();
  }
}

/** Milliseconds until CatalogInfo answers with `version` (-1: never, or the service died). */
async function waitForVersion(svc: Service, version: string, t0: number): Promise<number> {
  const client = new grpc.Client(`127.0.0.1:${svc.port}`, grpc.credentials.createInsecure());
  const svcDef = loadProtos()['marquee.v1.CatalogService'] as grpc.ServiceDefinition;
  const info = svcDef.CatalogInfo;
  try {
    const deadline = performance.now() + 600_000;
    const refused = svc.refusals.length;
    while (performance.now() < deadline && svc.alive() && svc.refusals.length === refused) {
      const v = await new Promise<string | null>((resolve) =>
        client.makeUnaryRequest(info.path, info.requestSerialize, info.responseDeserialize, {}, { deadline: Date.now() + 2000 }, (err, res) =>
          resolve(err ? null : ((res as { version?: string }).version ?? null)),
        ),
      );
      if (v === version) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 200));
    }
    return -1;
  } finally {
    client.close();
  }
}

function stageList(stages: Manifest['stages']): string {
  return Object.entries(stages)
    .map(([k, v]) => `${k} ${((v?.ms ?? 0) / 1000).toFixed(1)}`)
    .join(', ');
}

// ---- main ------------------------------------------------------------------------------------

if (!existsSync(path.join(PROJECT_ROOT, 'dist', 'service', 'main.js'))) {
  console.log('bench:scale runs the compiled build: npm run build first');
  process.exit(1);
}
if (!values['skip-service']) ensureH2load();
if (values['service-only']) {
  // the service part alone, on a kept artifacts dir: CURRENT is served, the other version swapped to
  const dir = values['service-only'];
  const current = (await readFile(path.join(dir, 'CURRENT'), 'utf8')).trim();
  const other = readdirSync(dir).find((v) => /^\d{8}T/.test(v) && v !== current);
  if (!other) throw new Error(`${dir} needs two published versions (bench:scale --keep leaves them)`);
  const movies = (JSON.parse(await readFile(path.join(dir, current, 'manifest.json'), 'utf8')) as Manifest).counts.movies_published ?? 0;
  await measureService({ n: movies }, dir, current, other);
  process.exit(0);
}
console.log(`bench:scale sizes=${sizes.join(',')} cores=${os.cpus().length} mem=${gb(os.totalmem())} node=${process.version} load=${os.loadavg()[0].toFixed(1)}`);
const rows: Row[] = [];
for (const n of sizes) rows.push(await benchSize(n));

const cols = rows.map((r) => String(r.n));
const line = (label: string, f: (r: Row) => string) => console.log(`| ${label} | ${rows.map(f).join(' | ')} |`);
console.log(`\n| | ${cols.join(' | ')} |\n|---|${cols.map(() => '---').join('|')}|`);
const stageMs = (r: PipelineRun, s: string) => (r.stages as Record<string, { ms: number } | undefined>)[s]?.ms ?? 0;
line('movies published', (r) => String(r.movies));
line('cold pipeline wall', (r) => s1(r.cold.ms));
line('cold pipeline peak RSS', (r) => gb(r.cold.peakRss));
for (const s of ['extract', 'transform', 'eda', 'embed', 'index']) line(`  ${s}`, (r) => s1(stageMs(r.cold, s)));
line('  embed: fit + embedding', (r) => `${s1(r.cold.fitMs)} + ${s1(r.cold.embedMs)}`);
line('  index: HNSW graph + similar lists', (r) => `${s1(r.cold.graphMs)} + ${s1(r.cold.listsMs)} (${graphShape(r.cold)})`);
line('recall@10 vs exact (ef)', (r) => r.recall.map((x) => `${x.recall.toFixed(3)} (${x.ef})`).join(', '));
line('warm rebuild wall', (r) => s1(r.warm.ms));
line('warm rebuild peak RSS', (r) => gb(r.warm.peakRss));
line('version dir', (r) => `${mb(r.cold.versionBytes)} (${mb(r.cold.extractRemovedBytes)} extract/ removed)`);
line('service start -> SERVING', (r) => (r.servingMs ? s1(r.servingMs) : '-'));
line('service RSS at SERVING', (r) => (r.servingRss ? mb(r.servingRss) : '-'));
line('suggesters built (RSS then)', (r) => (r.suggestersMs ? `${s1(r.suggestersMs)} (${mb(r.suggestersRss ?? 0)})` : '-'));
line('TitleScore calls/s (32 in flight)', (r) => (r.load ? String(Math.round(r.load.perSec)) : '-'));
line('TitleScore p50 / p99 / max', (r) => (r.load ? `${r.load.p50.toFixed(2)} / ${r.load.p99.toFixed(2)} / ${r.load.max.toFixed(0)} ms` : '-'));
line('longest GC pause under load', (r) => (r.gcMaxUnderLoad !== undefined ? `${r.gcMaxUnderLoad.toFixed(1)} ms (${r.gcMaxKind})` : '-'));
line('hot swap under load', (r) =>
  r.swap ? `${r.swap.refused ? 'refused (old version kept)' : r.swap.swapMs < 0 ? 'no swap' : s1(r.swap.swapMs)}, ${r.swap.failed} failed, p99 ${r.swap.p99.toFixed(1)} ms, max ${r.swap.max.toFixed(0)} ms, peak ${gb(r.swap.peakRss)}, GC max ${r.swap.gcMax.toFixed(0)} ms${r.swap.stayedUp ? '' : ', DIED'}` : '-',
);
if (rows.length >= 2) {
  const a = rows[rows.length - 2];
  const b = rows[rows.length - 1];
  const k = b.movies / a.movies;
  console.log(`\ngrowth ${a.n} -> ${b.n} (x${k.toFixed(2)} movies; linear = x${k.toFixed(2)}):`);
  const g = (label: string, x: number, y: number) => console.log(`  ${label.padEnd(26)} x${(y / x).toFixed(2)}${y / x > k * 1.1 ? '  (faster than linear)' : ''}`);
  g('cold pipeline wall', a.cold.ms, b.cold.ms);
  g('cold peak RSS', a.cold.peakRss, b.cold.peakRss);
  for (const s of ['extract', 'transform', 'eda', 'embed', 'index']) g(s, stageMs(a.cold, s), stageMs(b.cold, s));
  g('HNSW graph build', a.cold.graphMs, b.cold.graphMs);
  g('similar lists', a.cold.listsMs, b.cold.listsMs);
  g('warm rebuild wall', a.warm.ms, b.warm.ms);
  g('version dir', a.cold.versionBytes, b.cold.versionBytes);
  if (a.servingMs && b.servingMs) g('start -> SERVING', a.servingMs, b.servingMs);
  if (a.servingRss && b.servingRss) g('RSS at SERVING', a.servingRss, b.servingRss);
}

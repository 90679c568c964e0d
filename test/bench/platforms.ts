// npm run bench:platforms [-- --only etl|quality|queries --seconds 5 --concurrency 32]
//
// The streaming-platform catalog at speed and scale:
//   etl      the platforms and scores stages on SYNTHETIC input of full size (22,998 titles and
//            11,024,289 raw ratings, generated with data:synth on first use) and 4x titles, each
//            stage in a fresh process: wall time and peak RSS (target for the ratings aggregation:
//            under 20 s and 500 MB);
//   quality  similar titles on the REAL catalog: share of the top-5 sharing a category word, and for
//            titles on two platforms, whether the other copy is the first neighbour; beside a
//            TF-IDF-over-description baseline computed here;
//   queries  the PlatformService RPCs under h2load (32 streams in flight), with the bare grpc-js
//            ceiling measured in the same run (as in bench:service).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { loadIndex } from '../../pipeline/index/hnsw.js';
import { tfidfOverviewNeighbours } from '../../pipeline/index/tfidf-baseline.js';
import { titleQuality } from '../../pipeline/platforms/quality.js';
import { PLATFORM_FILES, type PlatformTitle } from '../../pipeline/platforms/types.js';
import { newRunContext } from '../../pipeline/stages/context.js';
import { STAGE_FNS } from '../../pipeline/stages/registry.js';
import { loadProtos } from '../../service/proto.js';
import type * as grpc from '@grpc/grpc-js';
import { realArtifacts } from '../helpers/real-artifacts.js';
import { ensureH2load, grpcFrame, h2load } from './h2load.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    child: { type: 'string' },
    dir: { type: 'string' },
    platforms: { type: 'string' },
  },
});

// ------------------------------------------------------------------ child: one stage, its own process

if (values.child) {
  const config = loadConfig({ dataDir: '/nonexistent', platformsDir: values.platforms!, artifactsDir: path.dirname(values.dir!), logLevel: 'warn' });
  const log = createLogger('bench', 'warn');
  const ctx = { ...(await newRunContext(config, { log })), dir: values.dir! };
  const stage = values.child as 'platforms' | 'scores';
  const r = await STAGE_FNS[stage](ctx);
  process.stdout.write(JSON.stringify({ ms: r.ms, peak: process.resourceUsage().maxRSS * 1024, counts: r.counts }) + '\n');
  process.exit(0);
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function runChild(stage: string, dir: string, platforms: string): { ms: number; peak: number; counts: Record<string, number> } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test', 'bench', 'platforms.ts'), '--child', stage, '--dir', dir, '--platforms', platforms], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${stage} child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function ensureSynth(name: string, titles: number): string {
  const out = path.join(PROJECT_ROOT, 'data', 'synth', name);
  const dir = path.join(out, 'platforms');
  if (!existsSync(path.join(dir, 'ratings', '8.synth.csv.gz'))) {
    console.log(`generating ${name}: ${titles.toLocaleString('en-US')} synthetic titles + 11,024,289 synthetic ratings ...`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'pipeline/synth/cli.ts', '--platform-titles', String(titles), '--out', out], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('data:synth failed');
  }
  return dir;
}

async function etl(): Promise<void> {
  console.log('\n== ETL and scores (SYNTHETIC input, each stage in a fresh process)');
  console.log(`${'input'.padEnd(30)}${'platforms stage'.padEnd(24)}${'scores stage (11M ratings)'.padEnd(32)}target`);
  for (const [name, titles] of [['platforms-1x', 22_998], ['platforms-4x', 91_992]] as const) {
    const platforms = ensureSynth(name, titles);
    const work = await mkdtemp(path.join(os.tmpdir(), 'mq-bench-plat-'));
    const dir = path.join(work, 'v');
    try {
      const p = runChild('platforms', dir, platforms);
      const s = runChild('scores', dir, platforms);
      const met = s.ms < 20_000 && s.peak < 500 * 2 ** 20;
      console.log(
        `${`${name} (${p.counts.platform_titles_kept.toLocaleString('en-US')} titles)`.padEnd(30)}` +
          `${`${(p.ms / 1000).toFixed(2)} s, ${mb(p.peak)}`.padEnd(24)}` +
          `${`${(s.ms / 1000).toFixed(2)} s, ${mb(s.peak)} (${((s.counts.platform_ratings_rows_read ?? 0) / (s.ms / 1000) / 1e6).toFixed(2)} M rows/s)`.padEnd(32)}` +
          `< 20 s, < 500 MB: ${met ? 'MET' : 'MISSED'}`,
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

async function quality(): Promise<void> {
  const artifactsDir = await realArtifacts();
  const version = readFileSync(path.join(artifactsDir, 'CURRENT'), 'utf8').trim();
  const vdir = path.join(artifactsDir, version);
  const titles = readFileSync(path.join(vdir, PLATFORM_FILES.titles), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as PlatformTitle);
  const { index } = await loadIndex(path.join(vdir, PLATFORM_FILES.dir));
  const K = 5;
  const t0 = performance.now();
  const ours = titleQuality(titles, (i) => index.searchKnn(index.getPoint(i), K + 1, (l) => l !== i).neighbors.slice(0, K));
  const oursMs = performance.now() - t0;
  const base = tfidfOverviewNeighbours(titles.map((t) => t.description), K);
  const baseline = titleQuality(titles, (i) => base[i]);
  console.log(`\n== similar titles on the REAL platform catalog (${titles.length.toLocaleString('en-US')} titles, top-${K})`);
  console.log(`${'method'.padEnd(44)}${'top-5 sharing a category'.padEnd(28)}${'copy on another platform: 1st / in top-5'.padEnd(30)}`);
  const row = (name: string, q: ReturnType<typeof titleQuality>) =>
    console.log(`${name.padEnd(44)}${`${pct(q.categoryShareAtK)} (${q.categoryQueries.toLocaleString('en-US')} titles)`.padEnd(28)}${pct(q.copyTop1)} / ${pct(q.copyTopK)} (${q.copyQueries} titles)`);
  row('Marquee (catalog embedder + HNSW)', ours);
  row('baseline: TF-IDF over the description', baseline);
  console.log(`(${(oursMs / titles.length).toFixed(2)} ms per title for the index queries)`);
}

async function queries(seconds: number, concurrency: number): Promise<void> {
  const bin = ensureH2load();
  if (!bin) return;
  const artifactsDir = await realArtifacts();
  const port = 50_000 + Math.floor(Math.random() * 5000);
  const server = spawn(process.execPath, ['--import', 'tsx', 'service/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, MARQUEE_ARTIFACTS_DIR: artifactsDir, MARQUEE_GRPC_ADDR: `127.0.0.1:${port}`, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"msg":"catalog version loaded"')) resolve();
    });
    server.on('exit', (c) => reject(new Error(`server exited ${c}: ${out.slice(-2000)}`)));
  });
  try {
    const svc = loadProtos()['marquee.v1.PlatformService'] as grpc.ServiceDefinition;
    const work: [string, object][] = [
      ['PlatformCount', { platform: 'netflix' }],
      ['LongestTitle', { platform: 'amazon', year: 2018 }],
      ['ScoreCount', { platform: 'netflix', year: 2019, threshold: 3.5 }],
      ['TopActor', { platform: 'netflix', year: 2019 }],
      ['GetTitle', { id: 'ns2186' }],
      ['PersonTitles', { name: 'Adam Sandler' }],
      ['SimilarTitles', { id: 'ns2186', k: 5 }],
      ['WhereToWatch', { id: 862 }],
    ];
    console.log(`\n== PlatformService under h2load (${concurrency} streams in flight, ${seconds} s per RPC, REAL catalog)`);
    console.log(`${'rpc'.padEnd(16)}${'calls/s'.padEnd(10)}${'p50 ms'.padEnd(9)}${'p99 ms'.padEnd(9)}failed`);
    for (const [m, req] of work) {
      const r = await h2load(bin, `http://127.0.0.1:${port}/marquee.v1.PlatformService/${m}`, grpcFrame(svc[m].requestSerialize(req)), seconds, concurrency);
      console.log(`${m.padEnd(16)}${r.perSec.toFixed(0).padEnd(10)}${r.p50.toFixed(2).padEnd(9)}${r.p99.toFixed(2).padEnd(9)}${r.failed}`);
    }
    console.log('(the bare grpc-js ceiling of the same machine: npm run bench:service prints it; 19-27k calls/s on the build machine)');
  } finally {
    server.kill('SIGTERM');
  }
}

console.log(`bench:platforms on ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
if (!values.only || values.only === 'etl') await etl();
if (!values.only || values.only === 'quality') await quality();
if (!values.only || values.only === 'queries') await queries(Number(values.seconds), Number(values.concurrency));
process.exit(0);

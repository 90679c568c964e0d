// npm run bench:etl [-- --runs 3 --sizes 1,4 --seed 1 --regen --profile]
//
// ETL speed and memory at the real full size (45,466 movies, credits ~190 MB uncompressed) and at
// multiples of it, on SYNTHETIC input (the full real files cannot be had here). Each run is a fresh
// child process doing extract + transform, so its peak RSS is that run's alone.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { newRunContext } from '../../pipeline/stages/context.js';
import { runExtract } from '../../pipeline/stages/extract.js';
import { runTransform } from '../../pipeline/stages/transform.js';
import {
  defaultCreditsBytes,
  generateSynth,
  REAL_FULL,
  SYNTH_GENERATOR_VERSION,
  SYNTH_MANIFEST,
  type SynthSummary,
} from '../../pipeline/synth/generate.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const CACHE_DIR = path.join(PROJECT_ROOT, 'data', 'synth', 'bench-etl');
// Decimal units throughout (MB = 1e6 bytes), as the real file sizes are quoted.
const TARGET = { medianSeconds: 30, peakRssBytes: 1.5e9 };
const RESULT_TAG = 'BENCH_ETL_RESULT ';

interface ChildResult {
  ms: number;
  extractMs: number;
  transformMs: number;
  maxRssBytes: number;
  /** user + system CPU time of the whole child (all threads): less sensitive to other load than wall time */
  cpuMs: number;
  counts: Record<string, number>;
  quarantine: Record<string, number>;
  placeholder: boolean;
}

interface RunResult extends ChildResult {
  processMs: number;
  /** 1-minute load average when the run started: the noise from other work on the machine */
  loadAvg: number;
}

// ---------------------------------------------------------------- child: one measured run

async function child(dataDir: string, artifactsDir: string): Promise<void> {
  const config = loadConfig({ dataDir, artifactsDir, logLevel: process.env.LOG_LEVEL ?? 'warn' });
  const ctx = await newRunContext(config, { log: createLogger('bench-etl', config.logLevel) });
  const t0 = performance.now();
  const ex = await runExtract(ctx);
  const tr = await runTransform(ctx);
  const ms = performance.now() - t0;
  const result: ChildResult = {
    ms,
    extractMs: ex.ms,
    transformMs: tr.ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuMs: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1000,
    counts: { ...ex.counts, ...tr.counts },
    quarantine: ex.quarantine ?? {},
    placeholder: ex.info?.skipped === true || tr.info?.skipped === true,
  };
  process.stdout.write(RESULT_TAG + JSON.stringify(result) + '\n');
}

// ---------------------------------------------------------------- parent

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMB = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
const fmtGB = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Reuse a cached synthetic set when synth.json says it was made the same way and its files are intact. */
async function ensureInput(size: number, seed: number, regen: boolean): Promise<{ dir: string; summary: SynthSummary }> {
  const movies = Math.round(REAL_FULL.movies * size);
  const creditsBytes = defaultCreditsBytes(movies);
  const dir = path.join(CACHE_DIR, `x${size}-n${movies}-seed${seed}`);
  const manifest = path.join(dir, SYNTH_MANIFEST);
  if (!regen && existsSync(manifest)) {
    const s = JSON.parse(readFileSync(manifest, 'utf8')) as SynthSummary;
    const same =
      s.generatorVersion === SYNTH_GENERATOR_VERSION &&
      s.movies === movies &&
      s.seed === seed &&
      s.creditsBytesTarget === creditsBytes &&
      s.gzip;
    let intact = same;
    for (const f of Object.values(s.files)) {
      const p = path.join(dir, f.name);
      intact &&= existsSync(p) && (await stat(p)).size === f.fileBytes;
    }
    if (intact) {
      console.log(`  ${size}x: reusing SYNTHETIC input in ${path.relative(PROJECT_ROOT, dir)}`);
      return { dir, summary: s };
    }
  }
  console.log(`  ${size}x: generating SYNTHETIC input (${fmtInt(movies)} movies, credits ~${fmtMB(creditsBytes)}) in ${path.relative(PROJECT_ROOT, dir)} ...`);
  const summary = await generateSynth({ movies, outDir: dir, seed, creditsBytes });
  console.log(`       generated in ${fmtS(summary.ms)}`);
  return { dir, summary };
}

function runChild(dataDir: string, artifactsDir: string, profileDir: string | null): Promise<RunResult> {
  const args = [
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    '--import',
    'tsx',
    THIS_FILE,
    '--child',
    '--data',
    dataDir,
    '--artifacts',
    artifactsDir,
  ];
  const t0 = performance.now();
  const loadAvg = os.loadavg()[0];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_TAG));
      if (code !== 0 || !line) {
        reject(new Error(`ETL child exited with ${code}${out ? `; stdout:\n${out}` : ''}`));
        return;
      }
      resolve({ ...(JSON.parse(line.slice(RESULT_TAG.length)) as ChildResult), processMs: performance.now() - t0, loadAvg });
    });
  });
}

interface SizeReport {
  size: number;
  movies: number;
  input: { gzBytes: number; rawBytes: number; creditsRawBytes: number };
  runs: RunResult[];
  medianMs: number;
  medianExtractMs: number;
  medianTransformMs: number;
  medianCpuMs: number;
  movieRowsPerSec: number;
  inputRowsPerSec: number;
  peakRssMedian: number;
  peakRssMax: number;
}

async function parent(opts: { runs: number; sizes: number[]; seed: number; regen: boolean; profile: boolean }): Promise<void> {
  console.log('ETL benchmark: extract + transform, on SYNTHETIC input (recombined from the real partial rows; not real data)');
  console.log(
    `  ${os.cpus().length} cores, node ${process.version}, code ${gitRevision()}; ${opts.runs} runs per size, each in a fresh process. ` +
      'Other work on this machine makes the figures noisy.',
  );
  const reports: SizeReport[] = [];
  for (const size of opts.sizes) {
    const { dir, summary } = await ensureInput(size, opts.seed, opts.regen);
    const files = Object.values(summary.files);
    const runs: RunResult[] = [];
    for (let r = 1; r <= opts.runs; r++) {
      const art = await mkdtemp(path.join(os.tmpdir(), 'marquee-bench-etl-'));
      const profileDir = opts.profile ? path.join(os.tmpdir(), 'marquee-bench-etl-prof', `x${size}-run${r}`) : null;
      if (profileDir) await mkdir(profileDir, { recursive: true });
      try {
        const res = await runChild(dir, art, profileDir);
        runs.push(res);
        console.log(
          `  ${size}x run ${r}: ${fmtS(res.ms)} (extract ${fmtS(res.extractMs)}, transform ${fmtS(res.transformMs)}; ` +
            `process ${fmtS(res.processMs)}; CPU ${fmtS(res.cpuMs)}), peak RSS ${fmtMB(res.maxRssBytes)}, load avg ${res.loadAvg.toFixed(1)}` +
            (res.placeholder ? '  [stages are placeholders]' : '') +
            (profileDir ? `  profile: ${profileDir}` : ''),
        );
      } finally {
        await rm(art, { recursive: true, force: true });
      }
    }
    const medianMs = median(runs.map((r) => r.ms));
    const c = runs[runs.length - 1].counts;
    const inputRows = (c.movies_rows_read ?? 0) + (c.credits_rows_read ?? 0) + (c.keywords_rows_read ?? 0);
    reports.push({
      size,
      movies: summary.movies,
      input: {
        gzBytes: files.reduce((a, f) => a + f.fileBytes, 0),
        rawBytes: files.reduce((a, f) => a + f.bytes, 0),
        creditsRawBytes: summary.files.credits.bytes,
      },
      runs,
      medianMs,
      medianExtractMs: median(runs.map((r) => r.extractMs)),
      medianTransformMs: median(runs.map((r) => r.transformMs)),
      medianCpuMs: median(runs.map((r) => r.cpuMs)),
      movieRowsPerSec: (c.movies_rows_read ?? summary.files.movies.records) / (medianMs / 1000),
      inputRowsPerSec: inputRows / (medianMs / 1000),
      peakRssMedian: median(runs.map((r) => r.maxRssBytes)),
      peakRssMax: Math.max(...runs.map((r) => r.maxRssBytes)),
    });
  }

  console.log('\nResults (SYNTHETIC input; medians over runs):');
  const head = ['size', 'movies', 'input gz / raw', 'credits raw', 'median', 'extract', 'transform', 'CPU', 'movie rows/s', 'input rows/s', 'peak RSS med / max'];
  const rows = reports.map((r) => [
    `${r.size}x`,
    fmtInt(r.movies),
    `${fmtMB(r.input.gzBytes)} / ${fmtMB(r.input.rawBytes)}`,
    fmtMB(r.input.creditsRawBytes),
    fmtS(r.medianMs),
    fmtS(r.medianExtractMs),
    fmtS(r.medianTransformMs),
    fmtS(r.medianCpuMs),
    fmtInt(r.movieRowsPerSec),
    fmtInt(r.inputRowsPerSec),
    `${fmtMB(r.peakRssMedian)} / ${fmtMB(r.peakRssMax)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((x, i) => x.padEnd(widths[i])).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));

  const base = reports.find((r) => r.size === 1);
  for (const r of reports) {
    if (!base || r === base) continue;
    console.log(
      `  ${r.size}x/1x: time ${(r.medianMs / base.medianMs).toFixed(2)}, CPU ${(r.medianCpuMs / base.medianCpuMs).toFixed(2)} ` +
        `(linear = ${r.size.toFixed(2)}), peak RSS ${(r.peakRssMax / base.peakRssMax).toFixed(2)}`,
    );
  }
  if (base) {
    const timeOk = base.medianMs < TARGET.medianSeconds * 1000;
    const rssOk = base.peakRssMax < TARGET.peakRssBytes;
    console.log(`\nTargets at full size (1x, SYNTHETIC input):`);
    console.log(`  median time < ${TARGET.medianSeconds} s:  ${timeOk ? 'MET' : 'MISSED'} (${fmtS(base.medianMs)})`);
    console.log(`  peak RSS < ${fmtGB(TARGET.peakRssBytes)}:  ${rssOk ? 'MET' : 'MISSED'} (max over runs ${fmtGB(base.peakRssMax)})`);
  }
  const loads = reports.flatMap((r) => r.runs.map((x) => x.loadAvg));
  console.log(
    `\nMachine load (1-min average at each run's start): ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} ` +
      `on ${os.cpus().length} cores${Math.max(...loads) > os.cpus().length ? ': contended, so times are pessimistic' : ''}.`,
  );
  const last = reports[reports.length - 1];
  if (last?.runs[0]) {
    const c = last.runs[0].counts;
    const q = last.runs[0].quarantine;
    console.log(
      `\nQuarantine at ${last.size}x (planned dirt in the synthetic input): ` +
        Object.entries(q)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') +
        `; movies dropped without release date ${c.dropped_no_release_date ?? 0}; catalog ${fmtInt(c.movies_published ?? 0)} movies`,
    );
  }
  if (reports.some((r) => r.runs.some((x) => x.placeholder))) {
    console.log('\nNOTE: extract/transform are still placeholders; these figures measure nothing yet.');
  }
  await mkdir(CACHE_DIR, { recursive: true });
  const out = path.join(CACHE_DIR, 'last-results.json');
  await writeFile(out, JSON.stringify({ synthetic: true, at: new Date().toISOString(), revision: gitRevision(), cores: os.cpus().length, node: process.version, targets: TARGET, reports }, null, 2) + '\n');
  console.log(`\n(raw figures: ${path.relative(PROJECT_ROOT, out)})`);
}

function gitRevision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'pipeline'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted pipeline changes` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      data: { type: 'string' },
      artifacts: { type: 'string' },
      runs: { type: 'string', default: '3' },
      sizes: { type: 'string', default: '1,4' },
      seed: { type: 'string', default: '1' },
      regen: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run bench:etl -- [--runs 3] [--sizes 1,4] [--seed 1] [--regen] [--profile]\n' +
        '  --sizes   multiples of the real full size (45,466 movies, credits ~190 MB), e.g. 1,4 or 0.25\n' +
        '  --regen   rebuild the cached synthetic input under data/synth/bench-etl/\n' +
        '  --profile write a V8 CPU profile per run (node --cpu-prof) under the OS temp dir',
    );
    return;
  }
  if (values.child) {
    if (!values.data || !values.artifacts) throw new Error('--child needs --data and --artifacts');
    await child(values.data, values.artifacts);
    return;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1 (got ${values.runs})`);
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !(s > 0) || Math.round(REAL_FULL.movies * s) < 20)) {
    throw new Error(`--sizes must be positive multiples of the full size, e.g. 1,4 (got ${values.sizes})`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a whole number (got ${values.seed})`);
  await parent({ runs, sizes, seed, regen: values.regen, profile: values.profile });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});

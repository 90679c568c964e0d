// npm postinstall: recompiles hnswlib-node's addon for AVX2 + FMA when this CPU has them, and
// compiles Marquee's own binding over the same hnswlib (parallel-graph/graph.cc: one graph built
// and searched by several threads) with the same flags, beside it.
//
// hnswlib picks its distance kernels at compile time (__AVX__, __AVX512F__), and node-gyp compiles
// for baseline x86-64, so the published package computes 256-d distances with SSE. Built with
// -mavx2 -mfma, the HNSW build is ~38 % faster and a search ~49 % faster on this catalog's vectors
// (README "Scale"). The build runs in a copy, is checked by a real add and search in a child
// process, and only then replaces the addon: a failure leaves npm's own build in place.
//
// MARQUEE_HNSW_SIMD: auto (default: avx2 when /proc/cpuinfo lists avx2 and fma) | avx2 | off.
// An addon built for AVX2 dies with SIGILL on a CPU without it: build images with `off` (or on the
// oldest CPU they will run on) when they move between machines.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const SETTING = 'MARQUEE_HNSW_SIMD';
const FLAGS = { avx2: '-O3 -mavx2 -mfma', off: '' };
// written beside the addon: which build it is (index.json records it, hnsw.ts nativeBuild)
const MARKER = 'marquee-simd.json';
// Marquee's own binding, written beside hnswlib-node's addon (parallel-graph.ts loads it)
const PARALLEL_ADDON = 'marquee-parallel-graph.node';

const log = (msg) => console.log(`hnswlib-node: ${msg}`);

function cpuHas(...features) {
  try {
    const flags = new Set((/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
    return features.every((f) => flags.has(f));
  } catch {
    return false;
  }
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp, // set by npm for install scripts
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

/** Adds and searches a few vectors with the package copy at `dir`, in a child process (SIGILL stays there); `nodePath` finds its dependencies. */
function works(dir, nodePath) {
  const probe = `
    const { HierarchicalNSW } = require(${JSON.stringify(dir)});
    const ix = new HierarchicalNSW('cosine', 32);
    ix.initIndex({ maxElements: 200, m: 8, efConstruction: 50, randomSeed: 1 });
    for (let i = 0; i < 200; i++) ix.addPoint(Array.from({ length: 32 }, (_, d) => Math.sin(i * 7 + d * 3)), i);
    const r = ix.searchKnn(Array.from({ length: 32 }, (_, d) => Math.sin(42 * 7 + d * 3)), 1);
    if (r.neighbors[0] !== 42) throw new Error('nearest of row 42 is ' + r.neighbors[0]);`;
  try {
    execFileSync(process.execPath, ['-e', probe], { stdio: 'pipe', env: { ...process.env, NODE_PATH: nodePath } });
    return true;
  } catch (err) {
    log(`the rebuilt addon failed its check (${String(err.stderr ?? err.message).trim().split('\n').pop()})`);
    return false;
  }
}

/** Recompiles hnswlib-node's own addon; returns the build it has now ('avx2' or 'default'). */
function rebuildHnswlib(pkgDir, setting) {
  const marker = path.join(pkgDir, 'build', MARKER);
  const want = setting === 'auto' ? (cpuHas('avx2', 'fma') ? 'avx2' : 'off') : setting;
  const current = existsSync(marker) ? JSON.parse(readFileSync(marker, 'utf8')).simd : 'default';
  if (want === 'off' && current === 'default') {
    if (existsSync(path.join(pkgDir, 'build', 'Release', 'addon.node'))) writeFileSync(marker, JSON.stringify({ simd: 'default' }) + '\n');
    log(`kept npm's baseline build (${SETTING}=${setting})`);
    return 'default';
  }
  const gyp = nodeGyp();
  if (!gyp) {
    log('node-gyp not found: kept the baseline build');
    return current;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'mq-hnswlib-'));
  const copy = path.join(work, 'hnswlib-node');
  try {
    cpSync(pkgDir, copy, { recursive: true, filter: (src) => path.relative(pkgDir, src).split(path.sep)[0] !== 'build' });
    const t0 = Date.now();
    execFileSync(process.execPath, [gyp, 'rebuild'], {
      cwd: copy,
      stdio: 'pipe',
      // binding.gyp asks node for node-addon-api's include dir from the copy's cwd
      env: { ...process.env, CXXFLAGS: FLAGS[want], NODE_PATH: path.resolve(pkgDir, '..') },
    });
    if (!works(copy, path.resolve(pkgDir, '..'))) return current;
    // a new file renamed over the old one: a process that has the old addon loaded keeps its copy
    const target = path.join(pkgDir, 'build', 'Release', 'addon.node');
    cpSync(path.join(copy, 'build', 'Release', 'addon.node'), `${target}.new`);
    renameSync(`${target}.new`, target);
    writeFileSync(marker, JSON.stringify({ simd: want === 'off' ? 'default' : want, cxxflags: FLAGS[want] }) + '\n');
    log(`rebuilt for ${want === 'off' ? 'baseline x86-64' : want} (${FLAGS[want] || 'no extra flags'}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return want === 'off' ? 'default' : want;
  } catch (err) {
    log(`rebuild for ${want} failed, kept the baseline build: ${String(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' | ')}`);
    return current;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Checks the parallel-graph addon at `file`: two threads build a small graph, then search it. */
function parallelWorks(file) {
  const probe = `
    const { ParallelGraph } = require(${JSON.stringify(file)});
    const n = 400, dims = 32, m = new Float32Array(n * dims);
    for (let i = 0; i < m.length; i++) m[i] = Math.sin(i * 7 + (i % dims) * 3);
    const g = new ParallelGraph(dims);
    g.init(n, 8, 50, 1);
    g.addRows(m, 0, n, 2).then(async () => {
      const labels = new Int32Array(1), dists = new Float32Array(1);
      await g.search(m, Int32Array.of(42), 0, 1, 1, 50, labels, dists, 0, 1, 2);
      if (labels[0] !== 42) throw new Error('nearest of row 42 is ' + labels[0]);
      g.release();
    }).catch((e) => { console.error(e.message); process.exit(1); });`;
  try {
    execFileSync(process.execPath, ['-e', probe], { stdio: 'pipe' });
    return true;
  } catch (err) {
    log(`the parallel-graph addon failed its check (${String(err.stderr ?? err.message).trim().split('\n').pop()})`);
    return false;
  }
}

/**
 * Compiles parallel-graph/graph.cc against hnswlib-node's hnswlib with the flags of hnswlib-node's
 * build (the two must round distances alike), into hnswlib-node's build dir: that dir ships with
 * the production node_modules. Without it the index stage falls back to hnswlib-node's one thread
 * per graph (hnsw.ts), so a failure here is logged, not fatal.
 */
function buildParallelGraph(pkgDir, simd) {
  const target = path.join(pkgDir, 'build', 'Release', PARALLEL_ADDON);
  const gyp = nodeGyp();
  if (!gyp) {
    log('node-gyp not found: no parallel-graph addon (the index builds on one thread per graph)');
    return;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'mq-parallel-graph-'));
  try {
    const src = path.join(path.dirname(new URL(import.meta.url).pathname), 'parallel-graph');
    for (const f of ['binding.gyp', 'graph.cc']) cpSync(path.join(src, f), path.join(work, f));
    const t0 = Date.now();
    const nodedir = process.env.npm_config_nodedir ? [`--nodedir=${process.env.npm_config_nodedir}`] : [];
    execFileSync(process.execPath, [gyp, 'rebuild', ...nodedir], {
      cwd: work,
      stdio: 'pipe',
      env: { ...process.env, CXXFLAGS: FLAGS[simd === 'avx2' ? 'avx2' : 'off'], NODE_PATH: path.resolve(pkgDir, '..') },
    });
    const built = path.join(work, 'build', 'Release', 'parallel_graph.node');
    if (!parallelWorks(built)) return;
    cpSync(built, `${target}.new`);
    renameSync(`${target}.new`, target);
    log(`parallel-graph addon built (${simd}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    log(`parallel-graph addon build failed (the index builds on one thread per graph): ${String(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main() {
  const setting = (process.env[SETTING] ?? 'auto').trim().toLowerCase() || 'auto';
  if (!['auto', 'avx2', 'off'].includes(setting)) {
    console.error(`${SETTING}=${JSON.stringify(process.env[SETTING])} must be auto, avx2 or off`);
    process.exit(1);
  }
  const require = createRequire(import.meta.url);
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('hnswlib-node/package.json'));
  } catch {
    return; // not installed (npm ci --omit of it): nothing to do
  }
  const simd = rebuildHnswlib(pkgDir, setting);
  buildParallelGraph(pkgDir, simd);
}

main();

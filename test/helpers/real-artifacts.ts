// Builds the real shared TMDB catalog once and shares it between test files (and test runs):
// the artifacts land in data/test-cache/<key>/, where key hashes the pipeline's source code,
// the input files and the embedder, so any change to either rebuilds. Treat the result as
// read-only: a test that publishes or mutates must copy it first (copyArtifacts).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, SHARED_TMDB_DIR, loadConfig, type EmbedderChoice } from '../../pipeline/config.js';
import { runInline } from '../../pipeline/inline.js';
import { createLogger } from '../../pipeline/log.js';

const CACHE_ROOT = path.join(PROJECT_ROOT, 'data', 'test-cache');

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

async function cacheKey(dataDir: string, embedder: EmbedderChoice): Promise<string> {
  const h = createHash('sha256');
  h.update(`embedder=${embedder}\n`);
  for (const f of await listFiles(path.join(PROJECT_ROOT, 'pipeline'))) {
    h.update(path.relative(PROJECT_ROOT, f));
    h.update(await readFile(f));
  }
  for (const f of await listFiles(dataDir)) {
    const s = await stat(f);
    h.update(`${path.basename(f)}:${s.size}:${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

const memo = new Map<string, Promise<string>>();

/** The artifacts dir of a published build of `dataDir` (default: the real shared data). */
export function realArtifacts(opts: { dataDir?: string; embedder?: EmbedderChoice } = {}): Promise<string> {
  const dataDir = opts.dataDir ?? SHARED_TMDB_DIR;
  const embedder = opts.embedder ?? 'catalog';
  const memoKey = `${dataDir}|${embedder}`;
  let p = memo.get(memoKey);
  if (!p) {
    p = build(dataDir, embedder);
    memo.set(memoKey, p);
  }
  return p;
}

async function build(dataDir: string, embedder: EmbedderChoice): Promise<string> {
  const key = await cacheKey(dataDir, embedder);
  const target = path.join(CACHE_ROOT, key);
  if (existsSync(path.join(target, 'CURRENT'))) return target;
  await mkdir(CACHE_ROOT, { recursive: true });
  const tmp = await mkdtemp(path.join(CACHE_ROOT, `${key}.tmp-`));
  const config = loadConfig({ dataDir, artifactsDir: tmp, embedder, logLevel: 'warn' });
  await runInline(config, { log: createLogger('test-build', 'warn') });
  try {
    await rename(tmp, target);
  } catch {
    // another test process won the race: its build is as good as ours
    await rm(tmp, { recursive: true, force: true });
  }
  // keep the cache small: drop builds of other keys
  for (const name of await readdir(CACHE_ROOT)) {
    if (name !== key && !name.includes('.tmp-')) await rm(path.join(CACHE_ROOT, name), { recursive: true, force: true });
  }
  return target;
}

/** A private, writable copy of an artifacts dir. */
export async function copyArtifacts(src: string): Promise<string> {
  const dst = await mkdtemp(path.join(os.tmpdir(), 'mq-artifacts-'));
  await cp(src, dst, { recursive: true });
  return dst;
}

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root (the directory of package.json): paths in config default relative to it, not
 * to the cwd. Found by walking up, so it is the same from pipeline/ (TypeScript) and dist/pipeline/
 * (the compiled build).
 */
export const PROJECT_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}
export const SHARED_TMDB_DIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'tmdb');

export type EmbedderChoice = 'auto' | 'transformers' | 'catalog';

export interface Config {
  dataDir: string;
  /** the streaming-platform catalogs and their ratings; null: none (the run builds TMDB only) */
  platformsDir: string | null;
  artifactsDir: string;
  grpcAddr: string;
  /** the HTTP/JSON listener (page, metrics, dashboard); null: off */
  httpAddr: string | null;
  redisUrl: string;
  embedder: EmbedderChoice;
  modelDir: string;
  modelId: string;
  allowRemoteModels: boolean;
  keepVersions: number;
  /** keep extract/ (the stages' intermediates) in a published version; off: removed at publish */
  keepIntermediates: boolean;
  /** write catalog.jsonl (the human-readable export) beside catalog.arrow, which every reader uses */
  catalogJsonl: boolean;
  /** threads inserting into one HNSW graph (0: two on 2+ cores from 100,000 vectors; 1: the same graph every run) */
  indexBuildThreads: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const INPUT_RE = /^(movies_dataset|movies_metadata|credits|keywords).*\.csv(\.gz)?$/;

function hasInputs(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => INPUT_RE.test(f));
}

const PLATFORM_INPUT_RE = /^(amazon|disney|hulu|netflix)[a-z_]*_titles.*\.csv(\.gz)?$/i;

function hasPlatformInputs(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => PLATFORM_INPUT_RE.test(f));
}

/**
 * Where the platform catalogs are when MARQUEE_PLATFORMS_DIR is not set: `platforms/` inside the
 * TMDB data dir, else beside it (data/raw/platforms; ../shared/data/platforms beside
 * ../shared/data/tmdb); null when neither holds title lists.
 */
export function defaultPlatformsDir(dataDir: string): string | null {
  for (const dir of [path.join(dataDir, 'platforms'), path.join(dataDir, '..', 'platforms')]) {
    if (hasPlatformInputs(dir)) return path.resolve(dir);
  }
  return null;
}

/** data/raw when it holds inputs, else the shared partial TMDB copy beside the repo. */
export function defaultDataDir(): string {
  const raw = path.join(PROJECT_ROOT, 'data', 'raw');
  return hasInputs(raw) || !existsSync(SHARED_TMDB_DIR) ? raw : SHARED_TMDB_DIR;
}

function parseBool(name: string, v: string): boolean {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off|)$/i.test(v)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(v)} is not a boolean; use true/false (or 1/0)`);
}

function parseIntIn(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}=${JSON.stringify(v)} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/** host:port with a port from 0 (any free port) to 65535; IPv6 hosts in brackets. */
export function checkListenAddr(name: string, addr: string, example: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[\w.-]+):(\d+)$/.exec(addr);
  if (!m) throw new ConfigError(`${name}=${JSON.stringify(addr)} must be host:port, e.g. ${example}`);
  const port = Number(m[2]);
  if (port > 65535) throw new ConfigError(`${name}=${JSON.stringify(addr)}: port ${port} is out of range (0-65535; 0 picks a free port)`);
  return addr;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads configuration from the environment, with explicit overrides (CLI flags) winning.
 * Fails with a message naming the variable at fault.
 */
export function loadConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const embedder = (overrides.embedder ?? env.MARQUEE_EMBEDDER ?? 'auto') as EmbedderChoice;
  if (!['auto', 'transformers', 'catalog'].includes(embedder)) {
    throw new ConfigError(`MARQUEE_EMBEDDER=${JSON.stringify(embedder)} must be one of auto, transformers, catalog`);
  }
  const grpcAddr = checkListenAddr('MARQUEE_GRPC_ADDR', overrides.grpcAddr ?? env.MARQUEE_GRPC_ADDR ?? '0.0.0.0:50051', '0.0.0.0:50051');
  const httpSetting = overrides.httpAddr !== undefined ? overrides.httpAddr : (env.MARQUEE_HTTP_ADDR ?? '0.0.0.0:8080');
  const httpAddr = httpSetting === null || httpSetting === 'off' ? null : checkListenAddr('MARQUEE_HTTP_ADDR', httpSetting, '0.0.0.0:8080 (or off)');
  const redisUrl = overrides.redisUrl ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL=${JSON.stringify(redisUrl)} must start with redis:// or rediss://`);
  }
  const logLevel = overrides.logLevel ?? env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)} must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const resolveDir = (p: string) => path.resolve(PROJECT_ROOT, p);
  const dataDir = resolveDir(overrides.dataDir ?? env.MARQUEE_DATA_DIR ?? defaultDataDir());
  const platformsSetting = overrides.platformsDir !== undefined ? overrides.platformsDir : env.MARQUEE_PLATFORMS_DIR;
  const platformsDir =
    platformsSetting === null || platformsSetting === 'none'
      ? null
      : platformsSetting
        ? resolveDir(platformsSetting)
        : defaultPlatformsDir(dataDir);
  return {
    dataDir,
    platformsDir,
    artifactsDir: resolveDir(overrides.artifactsDir ?? env.MARQUEE_ARTIFACTS_DIR ?? 'data/artifacts'),
    grpcAddr,
    httpAddr,
    redisUrl,
    embedder,
    modelDir: resolveDir(
      overrides.modelDir ?? env.MARQUEE_MODEL_DIR ?? path.join('..', 'shared', 'models'),
    ),
    modelId: overrides.modelId ?? env.MARQUEE_MODEL_ID ?? 'Xenova/all-MiniLM-L6-v2',
    allowRemoteModels:
      overrides.allowRemoteModels ?? parseBool('MARQUEE_ALLOW_REMOTE_MODELS', env.MARQUEE_ALLOW_REMOTE_MODELS ?? ''),
    keepVersions:
      overrides.keepVersions ?? parseIntIn('MARQUEE_KEEP_VERSIONS', env.MARQUEE_KEEP_VERSIONS ?? '3', 1, 1000),
    keepIntermediates:
      overrides.keepIntermediates ?? parseBool('MARQUEE_KEEP_INTERMEDIATES', env.MARQUEE_KEEP_INTERMEDIATES ?? ''),
    catalogJsonl: overrides.catalogJsonl ?? parseBool('MARQUEE_CATALOG_JSONL', env.MARQUEE_CATALOG_JSONL ?? 'true'),
    indexBuildThreads:
      overrides.indexBuildThreads ?? parseIntIn('MARQUEE_INDEX_BUILD_THREADS', env.MARQUEE_INDEX_BUILD_THREADS ?? '0', 0, 64),
    logLevel,
  };
}

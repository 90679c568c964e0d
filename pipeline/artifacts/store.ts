import { existsSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  MANIFEST_SCHEMA_VERSION,
  STAGES,
  type Manifest,
  type StageName,
  type StageResult,
} from '../types.js';
import { writeJsonAtomic } from './files.js';
import { CATALOG_COLUMNS_FILE } from '../catalog-columns/schema.js';

/** Well-known file names inside a version dir. Stages may add more (reported in StageResult.files). */
export const FILES = {
  manifest: 'manifest.json',
  catalog: 'catalog.jsonl',
  quarantine: 'quarantine.jsonl',
  stagesDir: 'stages',
  /** intermediate output of extract, read by transform */
  extractDir: 'extract',
} as const;

export const CURRENT_FILE = 'CURRENT';

export function newRunId(): string {
  return randomUUID();
}

/** Sortable by time, unique by run: 20261121T081500123Z-1a2b3c4d */
export function newVersionId(runId: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${runId.replace(/-/g, '').slice(0, 8)}`;
}

export function versionDir(artifactsDir: string, version: string): string {
  return path.join(artifactsDir, version);
}

/** Versions are plain dirs; names starting with '_' or '.' are reserved (caches, temp). */
function isVersionName(name: string): boolean {
  return /^\d{8}T\d{9}Z-[0-9a-z]+$/.test(name);
}

export async function prepareVersionDir(artifactsDir: string, version: string): Promise<string> {
  const dir = versionDir(artifactsDir, version);
  await mkdir(path.join(dir, FILES.stagesDir), { recursive: true });
  return dir;
}

export async function writeStageResult(dir: string, result: StageResult): Promise<void> {
  await writeJsonAtomic(path.join(dir, FILES.stagesDir, `${result.stage}.json`), result);
}

export async function readStageResult(dir: string, stage: StageName): Promise<StageResult | null> {
  const f = path.join(dir, FILES.stagesDir, `${stage}.json`);
  if (!existsSync(f)) return null;
  return JSON.parse(await readFile(f, 'utf8')) as StageResult;
}

/** Merge the stage results of a version dir into its manifest. */
export async function assembleManifest(dir: string, version: string, runId: string): Promise<Manifest> {
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    version,
    runId,
    createdAt: new Date().toISOString(),
    inputs: [],
    counts: {},
    quarantine: {},
    stages: {},
    peakRssBytes: 0,
    files: { manifest: FILES.manifest },
    info: {},
  };
  for (const stage of STAGES) {
    const r = await readStageResult(dir, stage);
    if (!r) continue;
    manifest.stages[stage] = r;
    manifest.peakRssBytes = Math.max(manifest.peakRssBytes, r.peakRssBytes);
    if (r.inputs) manifest.inputs.push(...r.inputs);
    Object.assign(manifest.counts, r.counts ?? {});
    for (const [k, v] of Object.entries(r.quarantine ?? {})) manifest.quarantine[k] = (manifest.quarantine[k] ?? 0) + v;
    Object.assign(manifest.files, r.files ?? {});
    if (r.info) manifest.info[stage] = r.info;
  }
  return manifest;
}

/**
 * Publish: write the manifest, then switch CURRENT (temp + rename) in one atomic step.
 * Refuses a version without a catalog, so a half-built dir can never become CURRENT.
 */
export async function publishVersion(
  artifactsDir: string,
  version: string,
  runId: string,
  extra?: (m: Manifest) => void,
  opts: { keepIntermediates?: boolean } = {},
): Promise<Manifest> {
  const dir = versionDir(artifactsDir, version);
  if (!existsSync(path.join(dir, CATALOG_COLUMNS_FILE)) && !existsSync(path.join(dir, FILES.catalog))) {
    throw new Error(`cannot publish ${version}: its cleaned catalog (${CATALOG_COLUMNS_FILE}) is missing`);
  }
  // extract/ only feeds transform; at 10^6 movies it is 2.4 GB a version would otherwise keep
  const removed = opts.keepIntermediates ? null : await removeIntermediates(dir);
  const manifest = await assembleManifest(dir, version, runId);
  if (removed) {
    for (const [role, rel] of Object.entries(manifest.files)) if (rel.startsWith(`${FILES.extractDir}/`)) delete manifest.files[role];
  }
  manifest.info.publish = { intermediatesKept: removed === null, intermediatesRemovedBytes: removed?.bytes ?? 0 };
  extra?.(manifest);
  await writeJsonAtomic(path.join(dir, FILES.manifest), manifest);
  await writeCurrent(artifactsDir, version);
  return manifest;
}

/** Deletes the version's extract/ dir; its size is recorded in the manifest. */
async function removeIntermediates(dir: string): Promise<{ bytes: number }> {
  const d = path.join(dir, FILES.extractDir);
  if (!existsSync(d)) return { bytes: 0 };
  let bytes = 0;
  for (const f of await readdir(d, { recursive: true })) {
    const st = await stat(path.join(d, f)).catch(() => null);
    if (st?.isFile()) bytes += st.size;
  }
  await rm(d, { recursive: true, force: true });
  return { bytes };
}

async function writeCurrent(artifactsDir: string, version: string): Promise<void> {
  const { writeFile, rename } = await import('node:fs/promises');
  const file = path.join(artifactsDir, CURRENT_FILE);
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, version + '\n');
  await rename(tmp, file);
}

/** The published version name, or null when nothing is published yet. */
export async function readCurrent(artifactsDir: string): Promise<string | null> {
  const file = path.join(artifactsDir, CURRENT_FILE);
  if (!existsSync(file)) return null;
  const v = (await readFile(file, 'utf8')).trim();
  return v.length > 0 ? v : null;
}

/** A manifest names a file outside its version dir: the version is refused, never read. */
export class UnsafeManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeManifestError';
  }
}

/**
 * The path of a file a manifest names (relative to the version dir), refusing absolute paths,
 * `..` escapes and symlinks that lead out of the dir: a version dir is data, not a pointer into
 * the server's file system.
 */
export function versionFile(dir: string, rel: unknown, role: string): string {
  const bad = (why: string) => new UnsafeManifestError(`manifest.files.${role} = ${JSON.stringify(String(rel).slice(0, 100))} ${why}`);
  if (typeof rel !== 'string' || rel === '' || rel.includes('\0')) throw bad('is not a file name');
  if (path.isAbsolute(rel)) throw bad('is an absolute path; files must be named relative to the version directory');
  const root = path.resolve(dir);
  const abs = path.resolve(root, rel);
  const inside = (p: string, r: string) => p === r || p.startsWith(r + path.sep);
  if (!inside(abs, root)) throw bad('points outside the version directory');
  if (existsSync(abs) && !inside(realpathSync(abs), realpathSync(root))) throw bad('is a link that leads outside the version directory');
  return abs;
}

/** Checks every file a manifest names (see versionFile); throws UnsafeManifestError. */
export function checkManifestFiles(dir: string, manifest: Manifest): void {
  for (const [role, rel] of Object.entries(manifest.files ?? {})) versionFile(dir, rel, role);
}

export async function readManifest(artifactsDir: string, version: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(versionDir(artifactsDir, version), FILES.manifest), 'utf8')) as Manifest;
}

/**
 * Removes the dir of a version that was never published (a failed run's leftovers). Never touches
 * CURRENT or a version with a manifest. Returns whether anything was removed.
 */
export async function discardUnpublished(artifactsDir: string, version: string): Promise<boolean> {
  if (!isVersionName(version)) return false;
  const dir = versionDir(artifactsDir, version);
  if (!existsSync(dir) || existsSync(path.join(dir, FILES.manifest))) return false;
  if ((await readCurrent(artifactsDir)) === version) return false;
  await rm(dir, { recursive: true, force: true });
  return true;
}

/** Newest modification time of a dir and its direct entries (stages write their results there). */
async function lastWritten(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const e of await readdir(dir)) {
    const s = await stat(path.join(dir, e)).catch(() => null);
    if (s && s.mtimeMs > newest) newest = s.mtimeMs;
  }
  return newest;
}

/** Published versions, newest first. */
export async function listPublished(artifactsDir: string): Promise<string[]> {
  if (!existsSync(artifactsDir)) return [];
  const names = (await readdir(artifactsDir)).filter(isVersionName).sort().reverse();
  return names.filter((n) => existsSync(path.join(versionDir(artifactsDir, n), FILES.manifest)));
}

/** Unpublished dirs untouched for this long are orphans (a run that died without cleaning up). */
export const ORPHAN_AFTER_MS = 2 * 3600_000;

/**
 * Keep the newest `keep` published versions (and always CURRENT); remove older ones, and orphans:
 * unpublished dirs nothing has written to for `orphanAfterMs` (a run in progress writes its stage
 * results there; a failed run removes its own dir at once).
 */
export async function pruneVersions(artifactsDir: string, keep: number, orphanAfterMs = ORPHAN_AFTER_MS): Promise<string[]> {
  if (!existsSync(artifactsDir)) return [];
  const current = await readCurrent(artifactsDir);
  const names = (await readdir(artifactsDir)).filter(isVersionName).sort().reverse();
  const removed: string[] = [];
  let kept = 0;
  for (const name of names) {
    const dir = versionDir(artifactsDir, name);
    const published = existsSync(path.join(dir, FILES.manifest));
    if (name === current) {
      kept++;
      continue;
    }
    if (published) {
      if (kept < keep) {
        kept++;
        continue;
      }
    } else if (Date.now() - (await lastWritten(dir)) < orphanAfterMs) {
      continue;
    }
    await rm(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

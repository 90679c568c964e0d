// The cleaned catalog of a published version is reused when the raw input and the ETL code are the
// same as when it was built: a warm rebuild then links catalog.jsonl (and its quarantine and drop
// lists) instead of extracting and transforming again (4 minutes of a 10^6-movie rebuild).
// The key is the sha256 of every input file's bytes and of the ETL's own code, so an edited
// cleaning rule or a changed file rebuilds; versions are immutable, so a hard link is safe.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILES, listPublished, readStageResult, versionDir } from '../artifacts/store.js';
import { CATALOG_COLUMNS_FILE } from '../catalog-columns/schema.js';
import type { SourceFile } from '../sources/discover.js';
import type { StageResult } from '../types.js';

/** Under extract/: tells transform which version's catalog to link. */
export const REUSE_MARKER = 'reused-from.json';
/** The files transform writes, linked when the catalog is reused. */
export const CATALOG_FILES = [FILES.catalog, CATALOG_COLUMNS_FILE, FILES.quarantine, 'dropped.jsonl'] as const;
/** The ones a reusable version must have: catalog.jsonl is an optional export (MARQUEE_CATALOG_JSONL). */
export const REQUIRED_CATALOG_FILES: readonly string[] = CATALOG_FILES.filter((f) => f !== FILES.catalog);
/** Published versions looked at for a match, newest first. */
const LOOK_BACK = 5;

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** sha256 over the named code files' names and bytes: a cache key that changes with the code. */
export async function codeKey(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) h.update(path.basename(f)).update('\0').update(await readFile(f)).update('\0');
  return h.digest('hex');
}

/** The code files of one source folder (this build's extension: .ts under tsx, .js when compiled). */
export async function codeFilesIn(dir: string): Promise<string[]> {
  const ext = path.extname(fileURLToPath(import.meta.url));
  return (await readdir(dir)).sort().filter((f) => f.endsWith(ext)).map((f) => path.join(dir, f));
}

let codeKeyMemo: Promise<string> | null = null;

/** sha256 of the code that turns raw input into the catalog (this folder, sources/, catalog-columns/, the two stages). */
export function etlCodeKey(): Promise<string> {
  codeKeyMemo ??= (async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const ext = path.extname(fileURLToPath(import.meta.url));
    const files: string[] = [];
    for (const dir of [here, path.join(here, '..', 'sources'), path.join(here, '..', 'catalog-columns')]) files.push(...(await codeFilesIn(dir)));
    for (const f of ['extract', 'transform']) files.push(path.join(here, '..', 'stages', `${f}${ext}`));
    return codeKey(files);
  })();
  return codeKeyMemo;
}

/** The reuse key of a TMDB input set: its files' names and bytes, and the ETL code. */
export async function inputKey(files: readonly SourceFile[]): Promise<string> {
  const h = createHash('sha256').update(`etl|${await etlCodeKey()}\n`);
  for (const f of [...files].sort((a, b) => (a.table + a.file < b.table + b.file ? -1 : 1))) {
    h.update(`${f.table}|${f.file}|${await sha256File(f.path)}\n`);
  }
  return h.digest('hex');
}

/** A published version whose catalog was built from this key (and still has its files), or null. */
export async function findReusable(artifactsDir: string, key: string, self: string): Promise<{ version: string; extract: StageResult } | null> {
  for (const v of (await listPublished(artifactsDir)).filter((n) => n !== self).slice(0, LOOK_BACK)) {
    const dir = versionDir(artifactsDir, v);
    const extract = await readStageResult(dir, 'extract');
    if ((extract?.info as { inputKey?: string } | undefined)?.inputKey !== key) continue;
    if (!(await readStageResult(dir, 'transform'))) continue;
    if (extract && REQUIRED_CATALOG_FILES.every((f) => existsSync(path.join(dir, f)))) return { version: v, extract };
  }
  return null;
}

export async function writeReuseMarker(dir: string, from: string): Promise<void> {
  await mkdir(path.join(dir, FILES.extractDir), { recursive: true });
  await writeFile(path.join(dir, FILES.extractDir, REUSE_MARKER), JSON.stringify({ from }));
}

export async function readReuseMarker(dir: string): Promise<string | null> {
  const f = path.join(dir, FILES.extractDir, REUSE_MARKER);
  if (!existsSync(f)) return null;
  return (JSON.parse(await readFile(f, 'utf8')) as { from: string }).from;
}

/** Hard-links (or copies, across devices) the catalog files of `fromDir` into `dir`. */
export async function linkCatalog(fromDir: string, dir: string, files: readonly string[] = CATALOG_FILES): Promise<void> {
  for (const f of files) {
    const to = path.join(dir, f);
    await rm(to, { force: true });
    await link(path.join(fromDir, f), to).catch(() => copyFile(path.join(fromDir, f), to));
  }
}

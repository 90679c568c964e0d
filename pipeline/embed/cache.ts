// Caches that outlive versions, under <artifactsDir>/_cache/ (names starting with '_' are never
// taken for versions, so pruning leaves them alone):
//   embeddings/<fingerprint>.bin  vectors keyed by sha256(fingerprint + text): an unchanged movie is
//                                 never embedded twice by the same embedder
//   catalog-fit/<corpus key>/     fitted catalog-embedder parameters, keyed by the fit's inputs
//   index/<key>.hnsw              built HNSW graphs, keyed by the vectors and the build parameters
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { readFully } from '../artifacts/files.js';
import path from 'node:path';

export function cacheRoot(artifactsDir: string): string {
  return path.join(artifactsDir, '_cache');
}

const MAGIC = 0x4345514d; // 'MQEC' little-endian
const FORMAT = 1;
const HEADER = 4 + 4 + 4 + 4 + 32;
const KEY_BYTES = 16;

/** The cache key of one text under one embedder (16 bytes of sha256, as hex). */
export function vectorKey(fingerprint: string, text: string): string {
  return createHash('sha256').update(fingerprint).update('\0').update(text).digest('hex').slice(0, KEY_BYTES * 2);
}

/** Vectors read from the cache: one buffer and a key -> row map. */
export class CachedVectors {
  static readonly EMPTY = new CachedVectors(new Map(), new Float32Array(0), 0);
  constructor(
    private readonly rows: Map<string, number>,
    private readonly vectors: Float32Array,
    private readonly dims: number,
  ) {}
  get size(): number {
    return this.rows.size;
  }
  get(key: string): Float32Array | undefined {
    const r = this.rows.get(key);
    return r === undefined ? undefined : this.vectors.subarray(r * this.dims, (r + 1) * this.dims);
  }
}

export class EmbeddingCache {
  readonly dir: string;
  constructor(artifactsDir: string) {
    this.dir = path.join(cacheRoot(artifactsDir), 'embeddings');
  }

  private file(fingerprint: string): string {
    return path.join(this.dir, `${fingerprint.slice(0, 32)}.bin`);
  }

  /**
   * The cached vectors of an embedder, by key; empty when there are none (or the file is unusable).
   * The vectors are read straight into one aligned Float32Array (no whole-file Buffer beside it, no
   * object per vector): at 10^6 movies that is 1 GB, not 3.
   */
  async load(fingerprint: string, dims: number): Promise<CachedVectors> {
    const f = this.file(fingerprint);
    if (!existsSync(f)) return CachedVectors.EMPTY;
    const fh = await open(f, 'r');
    try {
      const size = (await fh.stat()).size;
      const head = Buffer.alloc(HEADER);
      if (size < HEADER || (await fh.read(head, 0, HEADER, 0)).bytesRead !== HEADER) return CachedVectors.EMPTY;
      if (head.readUInt32LE(0) !== MAGIC || head.readUInt32LE(4) !== FORMAT) return CachedVectors.EMPTY;
      const d = head.readUInt32LE(8);
      const count = head.readUInt32LE(12);
      if (d !== dims || head.subarray(16, 48).toString('hex') !== fingerprint.padEnd(64, '0').slice(0, 64)) return CachedVectors.EMPTY;
      if (size !== HEADER + count * (KEY_BYTES + dims * 4)) return CachedVectors.EMPTY;
      const keyBytes = Buffer.alloc(count * KEY_BYTES);
      const vectors = new Float32Array(count * dims);
      try {
        await readFully(fh, keyBytes, HEADER);
        await readFully(fh, new Uint8Array(vectors.buffer), HEADER + count * KEY_BYTES);
      } catch {
        return CachedVectors.EMPTY; // changed under us: embed again rather than trust it
      }
      const rows = new Map<string, number>();
      for (let i = 0; i < count; i++) rows.set(keyBytes.toString('hex', i * KEY_BYTES, (i + 1) * KEY_BYTES), i);
      const now = new Date();
      await utimes(f, now, now).catch(() => {}); // recently used: kept by prune
      return new CachedVectors(rows, vectors, dims);
    } finally {
      await fh.close();
    }
  }

  /** Replaces the cache of an embedder with these vectors (one file, written in pieces then renamed into place). */
  async save(fingerprint: string, dims: number, keys: string[], matrix: Float32Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const count = keys.length;
    const head = Buffer.alloc(HEADER + count * KEY_BYTES);
    head.writeUInt32LE(MAGIC, 0);
    head.writeUInt32LE(FORMAT, 4);
    head.writeUInt32LE(dims, 8);
    head.writeUInt32LE(count, 12);
    Buffer.from(fingerprint.padEnd(64, '0').slice(0, 64), 'hex').copy(head, 16);
    keys.forEach((k, i) => head.write(k, HEADER + i * KEY_BYTES, KEY_BYTES, 'hex'));
    const f = this.file(fingerprint);
    const tmp = `${f}.tmp-${process.pid}-${Date.now()}`;
    const fh = await open(tmp, 'w');
    try {
      await fh.write(head);
      // the matrix's own bytes, in 64 MB slices: no second copy of it
      const bytes = new Uint8Array(matrix.buffer, matrix.byteOffset, count * dims * 4);
      for (let o = 0; o < bytes.length; o += 1 << 26) await fh.write(bytes.subarray(o, Math.min(bytes.length, o + (1 << 26))));
    } finally {
      await fh.close();
    }
    await rename(tmp, f);
  }

  /** Keeps the `keep` most recently used embedders' files. */
  async prune(keep: number): Promise<string[]> {
    return pruneByMtime(this.dir, keep, (n) => n.endsWith('.bin'));
  }
}

/** Fitted catalog-embedder parameters, one dir per fit key. */
export class FitCache {
  readonly dir: string;
  constructor(artifactsDir: string) {
    this.dir = path.join(cacheRoot(artifactsDir), 'catalog-fit');
  }
  entry(key: string): string {
    return path.join(this.dir, key);
  }
  async has(key: string): Promise<boolean> {
    const e = this.entry(key);
    if (!existsSync(path.join(e, 'complete'))) return false;
    const now = new Date();
    await utimes(e, now, now).catch(() => {});
    return true;
  }
  /** Fills a temp dir through `write`, then renames it into place (so a reader never sees half an entry). */
  async put(key: string, write: (dir: string) => Promise<void>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.${key}.tmp-${process.pid}-${Date.now()}`);
    await mkdir(tmp);
    try {
      await write(tmp);
      await writeFile(path.join(tmp, 'complete'), '');
      await rm(this.entry(key), { recursive: true, force: true });
      await rename(tmp, this.entry(key));
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  async prune(keep: number): Promise<string[]> {
    return pruneByMtime(this.dir, keep, (n) => !n.startsWith('.'));
  }
}

/** Built HNSW graph files. */
export class IndexCache {
  readonly dir: string;
  constructor(artifactsDir: string) {
    this.dir = path.join(cacheRoot(artifactsDir), 'index');
  }
  private file(key: string): string {
    return path.join(this.dir, `${key}.hnsw`);
  }
  has(key: string): boolean {
    return existsSync(this.file(key));
  }
  /** Copies the cached graph to `target`; false when there is none. */
  async fetch(key: string, target: string): Promise<boolean> {
    const f = this.file(key);
    if (!existsSync(f)) return false;
    const tmp = `${target}.tmp-${process.pid}`;
    await copyFile(f, tmp);
    await rename(tmp, target);
    const now = new Date();
    await utimes(f, now, now).catch(() => {});
    return true;
  }
  async store(key: string, source: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file(key)}.tmp-${process.pid}-${Date.now()}`;
    await copyFile(source, tmp);
    await rename(tmp, this.file(key));
  }
  async prune(keep: number): Promise<string[]> {
    return pruneByMtime(this.dir, keep, (n) => n.endsWith('.hnsw'));
  }
}

async function pruneByMtime(dir: string, keep: number, include: (name: string) => boolean): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await Promise.all(
    (await readdir(dir)).filter(include).map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs })),
  );
  entries.sort((a, b) => b.mtime - a.mtime || (a.name < b.name ? -1 : 1));
  const removed = entries.slice(keep).map((e) => e.name);
  for (const name of removed) await rm(path.join(dir, name), { recursive: true, force: true });
  return removed;
}

// The embedding matrix of a version: embeddings.f32 (count x dims float32, little-endian, row i is
// the movie ids[i]) and embeddings.json (ids, dims and how to embed a query the same way).
import { open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readFully } from '../artifacts/files.js';
import type { EmbedderSpec } from '../embedders/types.js';

export const EMBEDDING_FILES = { vectors: 'embeddings.f32', meta: 'embeddings.json' } as const;

export interface EmbeddingsMeta {
  count: number;
  dims: number;
  embedder: EmbedderSpec;
  /** movie id of each row */
  ids: number[];
}

export async function writeEmbeddings(dir: string, meta: EmbeddingsMeta, matrix: Float32Array): Promise<void> {
  if (matrix.length !== meta.count * meta.dims) throw new Error(`matrix has ${matrix.length} values, expected ${meta.count} x ${meta.dims}`);
  await writeFile(path.join(dir, EMBEDDING_FILES.vectors), new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength));
  await writeFile(path.join(dir, EMBEDDING_FILES.meta), JSON.stringify(meta));
}

export async function readEmbeddingsMeta(dir: string): Promise<EmbeddingsMeta> {
  return JSON.parse(await readFile(path.join(dir, EMBEDDING_FILES.meta), 'utf8')) as EmbeddingsMeta;
}

/** `shared`: the matrix lives on a SharedArrayBuffer, so threads can read it without a copy. */
export async function readEmbeddings(dir: string, shared = false): Promise<{ meta: EmbeddingsMeta; matrix: Float32Array }> {
  const meta = await readEmbeddingsMeta(dir);
  const file = path.join(dir, EMBEDDING_FILES.vectors);
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size !== meta.count * meta.dims * 4) {
      throw new Error(`${EMBEDDING_FILES.vectors} in ${dir} has ${size} bytes, expected ${meta.count * meta.dims * 4}`);
    }
    const n = meta.count * meta.dims;
    const matrix = shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
    await readFully(fh, new Uint8Array(matrix.buffer), 0);
    return { meta, matrix };
  } finally {
    await fh.close();
  }
}

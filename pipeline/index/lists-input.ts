// What the similar lists are made from besides the graph: the rerank's features of every doc, and
// the lists' cache key (which hashes the features' source). At 10^6 movies they are read from
// catalog.arrow (685 MB, read whole), so from LISTS_INPUT_THREAD_MIN docs they are read on a thread
// of their own: its exit frees the file's bytes at once. Read on the index stage's thread, those
// bytes stayed until a major GC that the native graph build never triggers, under the graph
// (the stage's, and the pipeline's, peak RSS at 10^6).
import { createHash } from 'node:crypto';
import { IndexCache } from '../embed/cache.js';
import { entryUrl } from '../runtime/entry.js';
import { runHelper } from '../runtime/helper-thread.js';
import { RERANK_WEIGHTS, type RerankColumns } from './rerank.js';
import { rerankInput } from './rerank-docs.js';
import { SIMILAR_K } from './similar-lists.js';

/** Bump when the rerank features change (part of the similar lists' cache key). */
const RERANK_VERSION = 2;

/** From this many docs the input is read on a thread of its own (below, the thread's start-up is most of the work). */
export const LISTS_INPUT_THREAD_MIN = 100_000;

export interface ListsInputTask {
  file: string;
  corpus: 'movies' | 'titles';
  /** the graph's cache key: a list depends on the graph and the rerank's input only */
  graphKey: string;
  /** the artifacts dir whose index cache may hold the lists (null: no cache) */
  artifactsDir: string | null;
  /** features on SharedArrayBuffers, for helper threads that search the lists */
  shared: boolean;
}

export interface ListsInput {
  /** the lists' cache key */
  key: string;
  /** the rerank's features; null when the cache holds the lists under `key` */
  columns: RerankColumns | null;
}

export async function readListsInput(task: ListsInputTask): Promise<ListsInput> {
  const input = await rerankInput(task.file, task.corpus);
  try {
    const hash = createHash('sha256').update(`${task.graphKey}|${SIMILAR_K}|${JSON.stringify(RERANK_WEIGHTS)}|${RERANK_VERSION}|${input.digest}\n`);
    const key = `${hash.digest('hex').slice(0, 32)}-similar`;
    if (task.artifactsDir && new IndexCache(task.artifactsDir).has(key)) return { key, columns: null };
    return { key, columns: input.features(task.shared).columns };
  } finally {
    input.close();
  }
}

/** The columns' buffers, moved (not copied) to the thread that asked. */
export function columnBuffers(c: RerankColumns): ArrayBuffer[] {
  return Object.values(c)
    .map((a: Int32Array | Float64Array) => a.buffer)
    .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

/** readListsInput, on a thread of its own from LISTS_INPUT_THREAD_MIN docs. */
export function listsInput(task: ListsInputTask, docs: number): Promise<ListsInput> {
  if (docs < LISTS_INPUT_THREAD_MIN) return readListsInput(task);
  return runHelper<ListsInput>(entryUrl('./lists-input-worker.ts', import.meta.url), task, 'similar lists input', () => {});
}

// The rerank's view of each embedded doc, read from the corpus file in embedding row order.
import { createHash } from 'node:crypto';
import { catalogColumnsBeside, catalogMovies } from '../catalog-columns/movies.js';
import { readJsonl } from '../artifacts/files.js';
import type { PlatformTitle } from '../platforms/types.js';
import { RerankFeatures, type RerankDoc } from './rerank.js';

/** A corpus's rerank input: a digest of what its features are made from (the similar lists' cache key), and the features when needed. */
export interface RerankInput {
  digest: string;
  /** `shared`: on shared memory, for helper threads */
  features(shared: boolean): RerankFeatures;
  close(): void;
}

export async function rerankInput(file: string, corpus: 'movies' | 'titles'): Promise<RerankInput> {
  const columns = corpus === 'movies' ? await catalogColumnsBeside(file) : null;
  if (columns) {
    // titles, keywords and cast straight from the columns: nothing decoded unless the lists are built
    const h = createHash('sha256');
    columns.hashRerankInputs(h);
    return { digest: `columns:${h.digest('hex')}`, features: (shared) => RerankFeatures.fromCatalog(columns, shared), close: () => columns.close() };
  }
  const docs = await rerankDocs(file, corpus);
  const h = createHash('sha256');
  for (const d of docs) h.update(`${d.title}\u0000${d.keywords.join('\u0001')}\u0000${d.cast.slice(0, 5).join('\u0001')}\n`);
  return { digest: `docs:${h.digest('hex')}`, features: (shared) => new RerankFeatures(docs, shared), close: () => void (docs.length = 0) };
}

async function rerankDocs(file: string, corpus: 'movies' | 'titles'): Promise<RerankDoc[]> {
  const out: RerankDoc[] = [];
  // only the top-billed cast counts (rerank.ts): the rest would be held for nothing
  if (corpus === 'titles') {
    for await (const t of readJsonl<PlatformTitle>(file)) out.push({ title: t.title, keywords: [], cast: t.cast.slice(0, 5) });
    return out;
  }
  for await (const m of catalogMovies(file)) out.push({ title: m.title, keywords: m.keywords, cast: m.cast.slice(0, 5) });
  return out;
}

// The rerank's view of each embedded doc, read from the corpus file in embedding row order.
import { catalogColumnsBeside, catalogMovies } from '../catalog-columns/movies.js';
import { readJsonl } from '../artifacts/files.js';
import type { PlatformTitle } from '../platforms/types.js';
import { RerankFeatures, type RerankDoc } from './rerank.js';

/** The rerank features of a corpus; `shared` puts them on shared memory for helper threads. */
export async function rerankFeatures(file: string, corpus: 'movies' | 'titles', shared: boolean): Promise<RerankFeatures> {
  const columns = corpus === 'movies' ? await catalogColumnsBeside(file) : null;
  if (!columns) return new RerankFeatures(await rerankDocs(file, corpus), shared);
  // straight from the columns: no overview read from the file, no list decoded into strings
  try {
    return RerankFeatures.fromCatalog(columns, shared);
  } finally {
    columns.close();
  }
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

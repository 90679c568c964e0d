// The rerank's view of each embedded doc, read from the corpus file in embedding row order.
import { catalogMovies } from '../catalog-columns/movies.js';
import { readJsonl } from '../artifacts/files.js';
import type { PlatformTitle } from '../platforms/types.js';
import type { RerankDoc } from './rerank.js';

export async function rerankDocs(file: string, corpus: 'movies' | 'titles'): Promise<RerankDoc[]> {
  const out: RerankDoc[] = [];
  // only the top-billed cast counts (rerank.ts): the rest would be held for nothing
  if (corpus === 'titles') for await (const t of readJsonl<PlatformTitle>(file)) out.push({ title: t.title, keywords: [], cast: t.cast.slice(0, 5) });
  else for await (const m of catalogMovies(file)) out.push({ title: m.title, keywords: m.keywords, cast: m.cast.slice(0, 5) });
  return out;
}

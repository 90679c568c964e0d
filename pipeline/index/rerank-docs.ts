// The rerank's view of each embedded doc, read from the corpus file in embedding row order.
import { catalogColumnsBeside, catalogMovies } from '../catalog-columns/movies.js';
import { readJsonl } from '../artifacts/files.js';
import type { PlatformTitle } from '../platforms/types.js';
import type { RerankDoc } from './rerank.js';

export async function rerankDocs(file: string, corpus: 'movies' | 'titles'): Promise<RerankDoc[]> {
  const out: RerankDoc[] = [];
  // only the top-billed cast counts (rerank.ts): the rest would be held for nothing
  if (corpus === 'titles') {
    for await (const t of readJsonl<PlatformTitle>(file)) out.push({ title: t.title, keywords: [], cast: t.cast.slice(0, 5) });
    return out;
  }
  const columns = await catalogColumnsBeside(file);
  if (!columns) {
    for await (const m of catalogMovies(file)) out.push({ title: m.title, keywords: m.keywords, cast: m.cast.slice(0, 5) });
    return out;
  }
  // the three fields straight from the columns: no overview read from the file, no other list decoded
  try {
    for (let row = 0; row < columns.length; row++) out.push({ title: columns.title(row), keywords: columns.list('keywords', row), cast: columns.list('cast', row, 5) });
  } finally {
    columns.close();
  }
  return out;
}

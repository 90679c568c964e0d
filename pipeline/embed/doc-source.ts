// The docs the embed stage reads, by row. For a version's movies they are built from catalog.arrow
// on demand rather than held: 10^6 MovieDocs took over a gigabyte, and the helper thread needed a
// structured clone of its half (the stage's peak RSS at 10^6). The file's bytes sit on shared
// memory, so the helper thread reads the same columns without a copy.
import { open } from 'node:fs/promises';
import { readFully, readJsonl } from '../artifacts/files.js';
import { catalogColumnsFileBeside } from '../catalog-columns/movies.js';
import { MovieColumns } from '../catalog-columns/table.js';
import { movieDoc, TOP_CAST } from '../embedders/movie-doc.js';
import { titleDoc } from '../embedders/title-doc.js';
import type { MovieDoc } from '../embedders/types.js';
import type { PlatformTitle } from '../platforms/types.js';
import type { Movie } from '../types.js';

export interface DocSource {
  readonly length: number;
  /** the row's id in embeddings.json: the movie id, or the title's position in titles.jsonl */
  id(row: number): number;
  /** a fresh MovieDoc of the row */
  doc(row: number): MovieDoc;
  /** catalog.arrow's bytes, when the docs come from it: a helper thread opens them with docsFromColumns */
  readonly shared?: SharedArrayBuffer;
  close(): void;
}

/** The movie doc of one row of the catalog columns (movieDoc of its Movie, without decoding the rest). */
export function columnsDoc(c: MovieColumns, row: number): MovieDoc {
  return {
    title: c.title(row),
    tagline: c.textAt('tagline', row),
    overview: c.textAt('overview', row),
    genres: c.list('genres', row),
    keywords: c.list('keywords', row),
    directors: c.list('directors', row),
    cast: c.list('cast', row, TOP_CAST),
    productionCompanies: c.list('production_companies', row),
  };
}

/** Docs over the columns of a catalog.arrow held in `bytes` (the shared buffer a DocSource hands a helper). */
export function docsFromColumns(bytes: SharedArrayBuffer): DocSource {
  const c = new MovieColumns(new Uint8Array(bytes));
  return { length: c.length, id: (row) => c.id[row], doc: (row) => columnsDoc(c, row), shared: bytes, close: () => c.close() };
}

/** Docs held in an array (ids default to the positions). */
export function docsFromArray(docs: MovieDoc[], ids?: number[]): DocSource {
  return { length: docs.length, id: (row) => (ids ? ids[row] : row), doc: (row) => docs[row], close: () => undefined };
}

/**
 * The docs of a corpus: platform titles from titles.jsonl (held: 10^4-10^5 of them), movies from the
 * catalog.arrow beside catalog.jsonl (read into shared memory), else from the JSON lines (versions
 * built before catalog.arrow, handmade fixtures).
 */
export async function openDocSource(file: string, corpus: 'movies' | 'titles'): Promise<DocSource> {
  const ids: number[] = [];
  const docs: MovieDoc[] = [];
  if (corpus === 'titles') {
    for await (const t of readJsonl<PlatformTitle>(file)) docs.push(titleDoc(t));
    return docsFromArray(docs);
  }
  const arrow = catalogColumnsFileBeside(file);
  if (arrow) {
    const fh = await open(arrow, 'r');
    try {
      const bytes = new SharedArrayBuffer((await fh.stat()).size);
      await readFully(fh, new Uint8Array(bytes), 0);
      return docsFromColumns(bytes);
    } finally {
      await fh.close();
    }
  }
  for await (const m of readJsonl<Movie>(file)) {
    ids.push(m.id);
    docs.push(movieDoc(m));
  }
  return docsFromArray(docs, ids);
}

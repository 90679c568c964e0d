// The cleaned catalog's movies for the stages that read all of them (eda, embed, the index's rerank
// docs): from catalog.arrow, which holds the same rows in the same order, rather than by parsing
// catalog.jsonl (1.2 GB of JSON at 10^6 movies, parsed once per stage).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readJsonl } from '../artifacts/files.js';
import { FILES } from '../artifacts/store.js';
import type { Movie } from '../types.js';
import { CATALOG_COLUMNS_FILE } from './schema.js';
import { readCatalogColumnsInPlace } from './files.js';
import type { MovieColumns } from './table.js';

/**
 * Every movie of the catalog whose JSON lines are `jsonlPath`, in catalog order: from the
 * catalog.arrow beside a version's catalog.jsonl when there is one, else from the JSON lines
 * (versions built before catalog.arrow, handmade fixtures).
 */
export async function* catalogMovies(jsonlPath: string): AsyncGenerator<Movie> {
  const columns = await catalogColumnsBeside(jsonlPath);
  if (!columns) {
    yield* readJsonl<Movie>(jsonlPath);
    return;
  }
  try {
    for (let row = 0; row < columns.length; row++) yield columns.movie(row);
  } finally {
    columns.close();
  }
}

/** The columns of the catalog.arrow beside a version's catalog.jsonl (read in place), or null when it has none. */
export async function catalogColumnsBeside(jsonlPath: string): Promise<MovieColumns | null> {
  const arrow = catalogColumnsFileBeside(jsonlPath);
  return arrow ? readCatalogColumnsInPlace(arrow) : null;
}

/** The path of the catalog.arrow beside a version's catalog.jsonl, or null when it has none. */
export function catalogColumnsFileBeside(jsonlPath: string): string | null {
  const arrow = path.join(path.dirname(jsonlPath), CATALOG_COLUMNS_FILE);
  return path.basename(jsonlPath) === FILES.catalog && existsSync(arrow) ? arrow : null;
}

import { open, rename, writeFile } from 'node:fs/promises';
import { readAllJsonl, readFully } from '../artifacts/files.js';
import type { Movie } from '../types.js';
import { CatalogColumnsBuilder } from './builder.js';
import { MovieColumns } from './table.js';

/** Writes the builder's columns through a temp file + rename. */
export async function writeCatalogColumns(file: string, builder: CatalogColumnsBuilder): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, builder.finish());
  await rename(tmp, file);
}

/** Reads catalog.arrow into one buffer the columns are views of. */
export async function readCatalogColumns(file: string): Promise<MovieColumns> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const bytes = Buffer.allocUnsafe(size);
    await readFully(fh, bytes, 0);
    return new MovieColumns(bytes);
  } finally {
    await fh.close();
  }
}

/**
 * Columns from a catalog.jsonl, for versions built before catalog.arrow existed (and handmade
 * fixtures): the records are held and sorted by id first, as the columns need.
 */
export async function columnsFromJsonl(file: string): Promise<MovieColumns> {
  const movies = await readAllJsonl<Movie>(file);
  movies.sort((a, b) => a.id - b.id);
  const b = new CatalogColumnsBuilder();
  for (const m of movies) b.add(m);
  return new MovieColumns(b.finish());
}

import { closeSync, openSync } from 'node:fs';
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

/**
 * Reads catalog.arrow: the columns are copied out of the file-sized read buffer, which is then
 * dropped, and the overviews and taglines stay in the file, read when a reply needs them (an open
 * descriptor, closed by MovieColumns.close()).
 */
export async function readCatalogColumns(file: string): Promise<MovieColumns> {
  const fd = openSync(file, 'r');
  try {
    const fh = await open(file, 'r');
    let bytes: Buffer;
    try {
      const { size } = await fh.stat();
      bytes = Buffer.allocUnsafe(size);
      await readFully(fh, bytes, 0);
    } finally {
      await fh.close();
    }
    return await MovieColumns.load(bytes, { fd, onDisk: ['overview', 'tagline'] });
  } catch (err) {
    closeSync(fd);
    throw err;
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

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

/** A file's bytes in one buffer (catalog.arrow is one record batch: Arrow parses it whole). */
async function readWhole(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const bytes = Buffer.allocUnsafe((await fh.stat()).size);
    await readFully(fh, bytes, 0);
    return bytes;
  } finally {
    await fh.close();
  }
}

/**
 * Reads catalog.arrow: the columns are copied out of the file-sized read buffer, which is then
 * dropped, and the overviews and taglines stay in the file, read when a reply needs them (an open
 * descriptor, closed by MovieColumns.close()).
 */
export async function readCatalogColumns(file: string): Promise<MovieColumns> {
  const fd = openSync(file, 'r');
  try {
    return await MovieColumns.load(await readWhole(file), { fd, onDisk: ['overview', 'tagline'] });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Reads catalog.arrow for a scan of every row (the pipeline's stages): the columns are views into
 * the file's bytes, overviews included. Copies, as readCatalogColumns makes for a server that drops
 * the buffer, would hold the catalog twice while they are made.
 */
export async function readCatalogColumnsInPlace(file: string): Promise<MovieColumns> {
  return new MovieColumns(await readWhole(file));
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

// A version dir holding the handmade embed fixture as the pipeline writes it: catalog.jsonl and the
// catalog.arrow beside it (rows sorted by id, as transform writes them).
import { copyFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { CatalogColumnsBuilder } from '../../pipeline/catalog-columns/builder.js';
import { writeCatalogColumns } from '../../pipeline/catalog-columns/files.js';
import type { Movie } from '../../pipeline/types.js';

export const EMBED_FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'embed', 'catalog.jsonl');

/** A new temp dir with the fixture's catalog.jsonl and catalog.arrow; its movies in row order. */
export async function fixtureVersion(prefix: string): Promise<{ dir: string; catalog: string; movies: Movie[] }> {
  const movies = (await readAllJsonl<Movie>(EMBED_FIXTURE)).sort((a, b) => a.id - b.id);
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const b = new CatalogColumnsBuilder();
  for (const m of movies) b.add(m);
  await writeCatalogColumns(path.join(dir, 'catalog.arrow'), b);
  await copyFile(EMBED_FIXTURE, path.join(dir, 'catalog.jsonl'));
  return { dir, catalog: path.join(dir, 'catalog.jsonl'), movies };
}

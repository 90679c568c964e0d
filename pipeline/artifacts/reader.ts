import { columnsFromJsonl, readCatalogColumns } from '../catalog-columns/files.js';
import type { MovieColumns } from '../catalog-columns/table.js';
import type { Manifest } from '../types.js';
import { checkManifestFiles, FILES, readCurrent, readManifest, UnsafeManifestError, versionDir, versionFile } from './store.js';

export interface LoadedVersion {
  version: string;
  dir: string;
  manifest: Manifest;
  /** the cleaned catalog as columns (catalog.arrow; built from catalog.jsonl for older versions) */
  movies: MovieColumns;
}

/** Loads one published version (its manifest and cleaned catalog) into memory. */
export async function loadVersion(artifactsDir: string, version: string): Promise<LoadedVersion> {
  const dir = versionDir(artifactsDir, version);
  const manifest = await readManifest(artifactsDir, version);
  try {
    checkManifestFiles(dir, manifest);
  } catch (err) {
    if (err instanceof UnsafeManifestError) throw new UnsafeManifestError(`version ${version} refused: ${err.message}`);
    throw err;
  }
  const columns = manifest.files.catalogColumns;
  const movies = columns
    ? await readCatalogColumns(versionFile(dir, columns, 'catalogColumns'))
    : await columnsFromJsonl(versionFile(dir, manifest.files.catalog ?? FILES.catalog, 'catalog'));
  return { version, dir, manifest, movies };
}

/** Loads the version CURRENT points at, or null when nothing is published yet. */
export async function loadCurrent(artifactsDir: string): Promise<LoadedVersion | null> {
  const version = await readCurrent(artifactsDir);
  return version ? loadVersion(artifactsDir, version) : null;
}

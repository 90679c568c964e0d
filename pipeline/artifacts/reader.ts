import path from 'node:path';
import type { Manifest, Movie } from '../types';
import { readAllJsonl } from './files';
import { FILES, readCurrent, readManifest, versionDir } from './store';

export interface LoadedVersion {
  version: string;
  dir: string;
  manifest: Manifest;
  movies: Movie[];
}

/** Loads one published version (its manifest and cleaned catalog) into memory. */
export async function loadVersion(artifactsDir: string, version: string): Promise<LoadedVersion> {
  const dir = versionDir(artifactsDir, version);
  const manifest = await readManifest(artifactsDir, version);
  const movies = await readAllJsonl<Movie>(path.join(dir, manifest.files.catalog ?? FILES.catalog));
  return { version, dir, manifest, movies };
}

/** Loads the version CURRENT points at, or null when nothing is published yet. */
export async function loadCurrent(artifactsDir: string): Promise<LoadedVersion | null> {
  const version = await readCurrent(artifactsDir);
  return version ? loadVersion(artifactsDir, version) : null;
}

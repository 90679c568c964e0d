import type { Manifest, Movie } from '../types.js';
import { readJsonl } from './files.js';
import { checkManifestFiles, FILES, readCurrent, readManifest, UnsafeManifestError, versionDir, versionFile } from './store.js';

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
  try {
    checkManifestFiles(dir, manifest);
  } catch (err) {
    if (err instanceof UnsafeManifestError) throw new UnsafeManifestError(`version ${version} refused: ${err.message}`);
    throw err;
  }
  const movies: Movie[] = [];
  const intern = stringInterner();
  for await (const m of readJsonl<Movie>(versionFile(dir, manifest.files.catalog ?? FILES.catalog, 'catalog'))) {
    movies.push(internNames(m, intern));
  }
  return { version, dir, manifest, movies };
}

/** Loads the version CURRENT points at, or null when nothing is published yet. */
export async function loadCurrent(artifactsDir: string): Promise<LoadedVersion | null> {
  const version = await readCurrent(artifactsDir);
  return version ? loadVersion(artifactsDir, version) : null;
}

function stringInterner(): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    const hit = seen.get(s);
    if (hit !== undefined) return hit;
    seen.set(s, s);
    return s;
  };
}

/**
 * JSON.parse gives every occurrence of a name its own string; people, genres, keywords and
 * companies recur across thousands of movies, so sharing one copy saves tens of MB at full size.
 */
function internNames(m: Movie, intern: (s: string) => string): Movie {
  m.cast = m.cast.map(intern);
  m.directors = m.directors.map(intern);
  m.keywords = m.keywords.map(intern);
  m.genres = m.genres.map(intern);
  m.productionCompanies = m.productionCompanies.map(intern);
  m.originalLanguage = intern(m.originalLanguage);
  m.status = intern(m.status);
  for (const c of m.productionCountries) (c.code = intern(c.code)), (c.name = intern(c.name));
  for (const l of m.spokenLanguages) (l.code = intern(l.code)), (l.name = intern(l.name));
  if (m.collection) m.collection.name = intern(m.collection.name);
  return m;
}

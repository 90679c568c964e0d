// The match key lives with the pipeline, which links catalogs by it; the service matches queries by it.
export { normalizeKey } from '../../pipeline/normalize.js';

/** FNV-1a over UTF-16 units: the hash of a key in the typed lookup tables, always checked against the key on a hit. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

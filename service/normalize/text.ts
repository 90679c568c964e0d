// The match key lives with the pipeline, which links catalogs by it; the service matches queries by it.
export { keyHash, normalizeKey } from '../../pipeline/normalize.js';

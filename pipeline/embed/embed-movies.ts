// The body of the embed stage (runs in a worker thread or a child process, see thread.ts): catalog.jsonl in,
// embeddings.f32 + embeddings.json (+ the catalog embedder's parameters) out, reusing cached vectors.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { EmbedderChoice } from '../config.js';
import { TwoThreadDenseOps } from '../embedders/catalog/linalg-threads.js';
import { CatalogEmbedder, CATALOG_ALGO_VERSION, DEFAULT_CATALOG_OPTIONS, fitSample, PARAMS_BIN_FILE, PARAMS_FILE, type CatalogOptions } from '../embedders/catalog/model.js';
import { selectEmbedder } from '../embedders/select.js';
import { TransformersEmbedder } from '../embedders/transformers.js';
import type { Embedder, EmbedderId, EmbedderSpec, MovieDoc } from '../embedders/types.js';
import { EmbeddingCache, FitCache, vectorKey } from './cache.js';
import { EMBEDDING_FILES, writeEmbeddings } from './matrix.js';
import { embedCatalogRows } from './embed-rows.js';
import { openDocSource, type DocSource } from './doc-source.js';

export interface EmbedJob {
  /** where the embeddings are written: the version dir (movies) or its platforms/ dir (titles) */
  dir: string;
  /** what is embedded: catalog.jsonl (movies, the default) or platforms/titles.jsonl (titles) */
  corpus?: 'movies' | 'titles';
  catalogFile: string;
  artifactsDir: string;
  choice: EmbedderChoice;
  modelDir: string;
  modelId: string;
  allowRemoteModels: boolean;
  batchSize?: number;
  catalogOptions?: Partial<CatalogOptions>;
  /** embedders' cache files to keep (most recently used) */
  keepCaches?: number;
}

export interface EmbedHooks {
  progress(done: number, total: number, message: string): void;
  log(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

export interface EmbedOutcome {
  embedder: EmbedderId;
  reason: string;
  spec: EmbedderSpec;
  movies: number;
  embedded: number;
  reused: number;
  /** catalog embedder: whether the fitted parameters came from the fit cache */
  fitReused?: boolean;
  fitMs: number;
  embedMs: number;
  files: Record<string, string>;
}

/**
 * Fit key: everything the fit reads (code version, options, the fields of each movie of its sample,
 * in catalog order). The fit reads its sample only (fitSample), so the rest of the catalog is not
 * hashed: a tenth of the catalog's JSON at 10^6 movies.
 */
function fitKey(sample: readonly MovieDoc[], options: Partial<CatalogOptions> | undefined, keyText: (d: MovieDoc) => string): string {
  const h = createHash('sha256').update(`catalog-fit|algo=${CATALOG_ALGO_VERSION}|${JSON.stringify(options ?? {})}\n`);
  for (const d of sample) h.update(keyText(d)).update('\n');
  return h.digest('hex').slice(0, 32);
}

/** The docs the fit reads: fitSample's picks, decoded from the source (the same docs fitSample(all) would give). */
function fitDocs(docs: DocSource, options: Partial<CatalogOptions> | undefined): MovieDoc[] {
  const rows = fitSample(Array.from({ length: docs.length }, (_, i) => i), { ...DEFAULT_CATALOG_OPTIONS, ...options }.maxFitDocs);
  return rows.map((r) => docs.doc(r));
}

/** Docs from which the fit starts a helper thread for its dense products (below, the thread's start costs more than it saves). */
export const PARALLEL_FIT_MIN = 20_000;

async function catalogEmbedder(
  job: EmbedJob,
  all: DocSource,
  hooks: EmbedHooks,
): Promise<{ embedder: CatalogEmbedder; fitReused: boolean; paramsDir: string }> {
  const fits = new FitCache(job.artifactsDir);
  const docs = fitDocs(all, job.catalogOptions);
  const key = fitKey(docs, job.catalogOptions, (d) => JSON.stringify(d));
  if (await fits.has(key)) {
    try {
      const embedder = await CatalogEmbedder.load(fits.entry(key));
      hooks.log('info', 'catalog embedder: fitted parameters reused from the cache', { key });
      return { embedder, fitReused: true, paramsDir: fits.entry(key) };
    } catch (e) {
      hooks.log('warn', 'catalog embedder: cached fit unusable, refitting', { key, error: String(e) });
    }
  }
  hooks.progress(0, all.length, 'fitting the catalog embedder');
  // the SVD's dense products on two threads from PARALLEL_FIT_MIN docs (same bits as one)
  const ops = docs.length >= PARALLEL_FIT_MIN && availableParallelism() > 1 ? await TwoThreadDenseOps.start() : undefined;
  let embedder: CatalogEmbedder;
  try {
    embedder = CatalogEmbedder.fit(docs, job.catalogOptions, (step) => hooks.progress(0, all.length, `fitting the catalog embedder: ${step}`), ops);
  } finally {
    await ops?.close();
  }
  await fits.put(key, (d) => embedder.save(d));
  await fits.prune(job.keepCaches ?? 3);
  return { embedder, fitReused: false, paramsDir: fits.entry(key) };
}

export async function embedMovies(job: EmbedJob, hooks: EmbedHooks): Promise<EmbedOutcome> {
  const docs = await openDocSource(job.catalogFile, job.corpus ?? 'movies');
  try {
    return await embedDocs(job, docs, hooks);
  } finally {
    docs.close();
  }
}

async function embedDocs(job: EmbedJob, docs: DocSource, hooks: EmbedHooks): Promise<EmbedOutcome> {
  const total = docs.length;
  const ids = Array.from({ length: total }, (_, i) => docs.id(i));

  const sel = selectEmbedder(job.choice, job.modelDir, job.modelId, job.allowRemoteModels);
  let id: EmbedderId = sel.id;
  let reason = sel.reason;
  let embedder: Embedder | undefined;
  let fitReused: boolean | undefined;
  let paramsDir: string | null = null;
  const t0 = performance.now();
  if (id === 'transformers') {
    try {
      embedder = await TransformersEmbedder.load({
        modelId: job.modelId,
        modelDir: job.modelDir,
        allowRemoteModels: job.allowRemoteModels,
        batchSize: job.batchSize,
      });
    } catch (e) {
      if (!sel.fallback) throw e;
      hooks.log('warn', 'transformers embedder could not load; falling back to the catalog embedder', { error: String(e) });
      id = 'catalog';
      reason = `${reason}; but loading failed (${String(e).slice(0, 200)}), so catalog`;
    }
  }
  if (id === 'catalog') {
    const c = await catalogEmbedder(job, docs, hooks);
    embedder = c.embedder;
    fitReused = c.fitReused;
    paramsDir = c.paramsDir;
  }
  const e = embedder!;
  const fitMs = Math.round(performance.now() - t0);
  hooks.log('info', 'embedder chosen', { embedder: id, reason, fingerprint: e.fingerprint, dims: e.dims });

  // Reuse what the cache holds for this exact embedder and text; embed only the rest.
  const cache = new EmbeddingCache(job.artifactsDir);
  const cached = await cache.load(e.fingerprint, e.dims);
  const keys = Array.from({ length: total }, (_, i) => vectorKey(e.fingerprint, e.keyText(docs.doc(i))));
  // shared memory for the catalog embedder: a helper thread writes its half of the rows (embed-rows.ts)
  const matrix = e instanceof CatalogEmbedder ? new Float32Array(new SharedArrayBuffer(total * e.dims * 4)) : new Float32Array(total * e.dims);
  const missing: number[] = [];
  keys.forEach((k, i) => {
    const v = cached.get(k);
    if (v) matrix.set(v, i * e.dims);
    else missing.push(i);
  });
  const reused = total - missing.length;
  hooks.log('info', 'embedding cache', { reused, toEmbed: missing.length });
  hooks.progress(reused, total, `${reused} vectors reused from the cache`);

  const t1 = performance.now();
  if (missing.length > 0 && e instanceof CatalogEmbedder) {
    const { threads } = await embedCatalogRows(e, paramsDir, docs, missing, matrix, (done) => hooks.progress(reused + done, total, `embedding with ${id}`));
    hooks.log('info', 'catalog embedder: rows embedded', { rows: missing.length, threads });
  } else if (missing.length > 0) {
    const vecs = await e.embedDocs(
      missing.map((i) => docs.doc(i)),
      (done) => hooks.progress(reused + done, total, `embedding with ${id}`),
    );
    missing.forEach((row, j) => matrix.set(vecs.subarray(j * e.dims, (j + 1) * e.dims), row * e.dims));
  }
  const embedMs = Math.round(performance.now() - t1);

  const spec: EmbedderSpec = e instanceof CatalogEmbedder || e instanceof TransformersEmbedder ? e.spec() : { id, fingerprint: e.fingerprint, dims: e.dims };
  const files: Record<string, string> = { embeddings: EMBEDDING_FILES.vectors, embeddingsMeta: EMBEDDING_FILES.meta };
  if (e instanceof CatalogEmbedder) {
    await e.save(job.dir);
    files.catalogEmbedder = PARAMS_FILE;
    files.catalogEmbedderParams = PARAMS_BIN_FILE;
  }
  await writeEmbeddings(job.dir, { count: total, dims: e.dims, embedder: spec, ids }, matrix);
  if (missing.length > 0 || cached.size !== total) await cache.save(e.fingerprint, e.dims, keys, matrix);
  await cache.prune(job.keepCaches ?? 3);
  if (e instanceof TransformersEmbedder) await e.dispose();
  hooks.progress(total, total, 'embedded');
  return { embedder: id, reason, spec, movies: total, embedded: missing.length, reused, fitReused, fitMs, embedMs, files };
}


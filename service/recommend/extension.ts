// Per-version recommendation state: the HNSW index, the row -> movie table and the query embedder,
// loaded from the version dir before the version is swapped in.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedVersion } from '../../pipeline/artifacts/reader.js';
import type { Config } from '../../pipeline/config.js';
import type { Logger } from '../../pipeline/log.js';
import { EMBEDDING_FILES, readEmbeddingsMeta } from '../../pipeline/embed/matrix.js';
import { CatalogEmbedder } from '../../pipeline/embedders/catalog/model.js';
import { TransformersEmbedder } from '../../pipeline/embedders/transformers.js';
import type { EmbedderSpec } from '../../pipeline/embedders/types.js';
import { INDEX_FILES, loadIndex, type KnnIndex, type IndexMeta } from '../../pipeline/index/hnsw.js';
import { releaseIndex } from '../../pipeline/index/sharded.js';
import { SimilarListsFile, SIMILAR_FILES } from '../../pipeline/index/similar-lists.js';
import { nextTurn } from '../../pipeline/runtime/turns.js';
import type { CatalogExtension, CatalogState } from '../state.js';

export const RECOMMEND_EXTENSION = 'recommend';

/** What SearchMovies embeds a query with; `error` when this service cannot load the version's model. */
export type QueryEmbedder =
  | { kind: 'catalog'; embedder: CatalogEmbedder }
  | { kind: 'transformers'; embedder: TransformersEmbedder }
  | { kind: 'unavailable'; error: string };

export interface RecommendReady {
  kind: 'ready';
  index: KnnIndex;
  meta: IndexMeta;
  embedder: EmbedderSpec;
  /** per index label (= embedding row): the movie's catalog row, -1 when the catalog lacks it */
  rowAt: Int32Array;
  /** per catalog row: its index label, -1 when not indexed */
  labelOf: Int32Array;
  query: QueryEmbedder;
  /** each movie's precomputed similar list, read from the file per call (null for versions built before they existed) */
  lists: SimilarListsFile | null;
}

/** The version has no usable index: `message` says why (answered as FAILED_PRECONDITION). */
export interface RecommendMissing {
  kind: 'missing';
  message: string;
}

export type RecommendState = RecommendReady | RecommendMissing;

const REBUILD = 'rebuild it with the current pipeline (npm run pipeline -- --inline) to get recommendations';

/** The graphs read ahead (null when the version has no index files). */
type Prepared = Awaited<ReturnType<typeof loadIndex>> | null;

/** The files an index needs that `dir` lacks. */
const indexFiles = (dir: string) => [EMBEDDING_FILES.meta, EMBEDDING_FILES.vectors, INDEX_FILES.index, INDEX_FILES.meta].filter((f) => !existsSync(path.join(dir, f)));

/**
 * The extension, bound to the service's config (model dir, remote policy) for SearchMovies on
 * transformers versions. Loaded transformers models are shared between versions with the same fingerprint.
 */
export function recommendExtension(config: Config, log: Logger): CatalogExtension<RecommendState, Prepared> {
  const models = new Map<string, Promise<TransformersEmbedder>>();

  async function queryEmbedder(dir: string, spec: EmbedderSpec): Promise<QueryEmbedder> {
    try {
      if (spec.id === 'catalog') return { kind: 'catalog', embedder: await CatalogEmbedder.load(dir) };
      const modelId = spec.modelId ?? config.modelId;
      let p = models.get(spec.fingerprint);
      if (!p) {
        p = TransformersEmbedder.load({
          modelId,
          modelDir: config.modelDir,
          allowRemoteModels: config.allowRemoteModels,
          quantized: spec.quantized,
        });
        models.set(spec.fingerprint, p);
        p.catch(() => models.delete(spec.fingerprint));
        // keep the models of the last two fingerprints (the serving version's and the incoming one's);
        // a retired version keeps its own reference until it is disposed
        for (const k of [...models.keys()].slice(0, -2)) models.delete(k);
      }
      const e = await p;
      if (e.fingerprint !== spec.fingerprint) {
        return {
          kind: 'unavailable',
          error:
            `the version was embedded with ${modelId} (fingerprint ${spec.fingerprint.slice(0, 12)}), but the model ` +
            `under MARQUEE_MODEL_DIR differs (fingerprint ${e.fingerprint.slice(0, 12)}); ` +
            'point MARQUEE_MODEL_DIR at the same model files the pipeline used',
        };
      }
      return { kind: 'transformers', embedder: e };
    } catch (err) {
      return { kind: 'unavailable', error: `cannot load the version's ${spec.id} embedder: ${(err as Error).message}` };
    }
  }

  return {
    name: RECOMMEND_EXTENSION,
    // the graphs (1 GB at 10^6 movies) are read by hnswlib on a libuv thread while the tables are built
    prepare: async (loaded) => (indexFiles(loaded.dir).length === 0 ? loadIndex(loaded.dir) : null),
    release: (prepared) => prepared && releaseIndex(prepared.index),
    async load(loaded: LoadedVersion, state: CatalogState, prepared?: Prepared): Promise<RecommendState> {
      const dir = loaded.dir;
      const missing = indexFiles(dir);
      if (missing.length > 0) {
        return {
          kind: 'missing',
          message: `catalog version ${loaded.version} has no similarity index (missing ${missing.join(', ')}): ${REBUILD}`,
        };
      }
      const emb = await readEmbeddingsMeta(dir);
      const { index, meta } = prepared ?? (await loadIndex(dir));
      if (meta.embedderFingerprint !== emb.embedder.fingerprint || meta.count !== emb.count || meta.dims !== emb.dims) {
        releaseIndex(index);
        return {
          kind: 'missing',
          message: `catalog version ${loaded.version} has an index that does not match its embeddings: ${REBUILD}`,
        };
      }
      const rowAt = new Int32Array(emb.ids.length).fill(-1);
      const labelOf = new Int32Array(state.movies.length).fill(-1);
      let indexed = 0;
      for (let label = 0; label < emb.ids.length; label++) {
        // a million lookups: let calls on the served version in between
        if (label % 16384 === 16383) await nextTurn();
        const row = state.movies.rowOf(emb.ids[label]);
        if (row < 0) continue;
        rowAt[label] = row;
        labelOf[row] = label;
        indexed++;
      }
      if (indexed !== state.movies.length) {
        log.warn({ version: loaded.version, indexed, movies: state.movies.length }, 'index and catalog differ in size');
      }
      const query = await queryEmbedder(dir, emb.embedder);
      if (query.kind === 'unavailable') log.warn({ version: loaded.version, error: query.error }, 'SearchMovies unavailable');
      const lists = existsSync(path.join(dir, SIMILAR_FILES.bin)) ? await SimilarListsFile.open(dir) : null;
      if (lists && lists.count !== emb.count) {
        lists.close();
        releaseIndex(index);
        throw new Error(`version ${loaded.version}: similar lists cover ${lists.count} movies, the embeddings ${emb.count}`);
      }
      return { kind: 'ready', index, meta, embedder: emb.embedder, rowAt, labelOf, query, lists };
    },
    // no call uses the version any more: free the graphs' native memory now (V8 does not see it, so
    // a GC would be in no hurry; 1.2 GB at 10^6 movies) and close the lists file
    dispose(value: RecommendState): void {
      if (value.kind !== 'ready') return;
      releaseIndex(value.index);
      value.lists?.close();
    },
  };
}

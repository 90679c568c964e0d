// The one interface both embedders implement, and the record of which one embedded a version.

export type EmbedderId = 'transformers' | 'catalog';

/** The parts of a movie an embedder may read. The collection is deliberately absent: it is what
 * the recommendations are judged against, so it must not leak into the vectors. */
export interface MovieDoc {
  title: string;
  tagline: string;
  overview: string;
  genres: string[];
  keywords: string[];
  directors: string[];
  /** top-billed cast, in billing order */
  cast: string[];
  productionCompanies: string[];
}

export interface Embedder {
  readonly id: EmbedderId;
  /** Changes whenever the function doc -> vector could change (model bytes, fitted parameters, text template). */
  readonly fingerprint: string;
  readonly dims: number;
  /** The exact input of the embedding, used as the cache key together with the fingerprint. */
  keyText(doc: MovieDoc): string;
  /** Unit-length vectors, one per doc, packed row-major (docs.length x dims). */
  embedDocs(docs: MovieDoc[], onProgress?: (done: number) => void): Promise<Float32Array>;
  /** A unit-length vector for a free-text query, comparable with the doc vectors. */
  embedQuery(text: string): Promise<Float32Array>;
}

/** What a version records about its embedder (in embeddings.json), enough to embed queries the same way. */
export interface EmbedderSpec {
  id: EmbedderId;
  fingerprint: string;
  dims: number;
  /** transformers: the model id, whether the int8 weights were used, the token limit */
  modelId?: string;
  quantized?: boolean;
  maxTokens?: number;
  /** catalog: the fitted parameter files, relative to the version dir */
  paramsFile?: string;
  paramsBinFile?: string;
}

// The catalog embedder: TF-IDF over a movie's words and names (sublinear tf, per-block weights),
// reduced by truncated SVD (latent semantic analysis) to a dense space, L2-normalized. It is fitted
// on the catalog itself, so it needs no external weights; its parameters are saved in the version
// so the service embeds a query exactly as the pipeline embedded the movies.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Embedder, EmbedderSpec, MovieDoc } from '../types.js';
import { BLOCKS, blockOf, docTerms, queryTerms, type Block } from './features.js';
import { Rng, randomizedSvd, type Csr, type DenseOps } from './linalg.js';

/** Bump when fitting or feature extraction changes meaning: part of the fingerprint and the fit cache key. */
export const CATALOG_ALGO_VERSION = 3;

export interface CatalogOptions {
  /** target dimensions (fewer when the corpus has lower rank) */
  dims: number;
  /** a term must occur in at least this many movies to count */
  minDf: number;
  /** terms in more than this share of movies carry no signal */
  maxDfRatio: number;
  /** vocabulary cap, most frequent terms first */
  maxFeatures: number;
  titleRepeat: number;
  weights: Record<Block, number>;
  seed: number;
  oversample: number;
  powerIters: number;
  /**
   * The fit reads at most this many movies (an even stride through the catalog); every movie is
   * then embedded with the fitted projection. The SVD's dense n x (dims+oversample) Float64
   * matrices are what grows with n: 2.2 GB each at 10^6 movies, 0.2 GB at 10^5.
   */
  maxFitDocs: number;
}

export const DEFAULT_CATALOG_OPTIONS: CatalogOptions = {
  dims: 192,
  minDf: 2,
  maxDfRatio: 0.5,
  maxFeatures: 40_000,
  titleRepeat: 2,
  // genres are few and broad: a heavier weight makes every neighbour "another drama" and crowds out closer kin
  weights: { text: 1, genre: 0.3, keyword: 0.8, director: 0.4, cast: 0.5, company: 0.3 },
  seed: 42,
  oversample: 16,
  // one power iteration: at 192 of ~10^4 dimensions the neighbours barely change with more, the fit time does
  powerIters: 1,
  maxFitDocs: 100_000,
};

/** An even stride of at most `max` docs, in catalog order (deterministic: the same catalog gives the same sample). */
export function fitSample<T>(docs: readonly T[], max: number): readonly T[] {
  if (docs.length <= max) return docs;
  const out: T[] = new Array(max);
  for (let i = 0; i < max; i++) out[i] = docs[Math.floor((i * docs.length) / max)];
  return out;
}

export const PARAMS_FILE = 'catalog-embedder.json';
export const PARAMS_BIN_FILE = 'catalog-embedder.bin';

interface ParamsJson {
  algo: number;
  options: CatalogOptions;
  fingerprint: string;
  dims: number;
  docs: number;
  terms: string[];
  singularValues: number[];
}

/**
 * The projection stored as int8 with one float scale per term row: a quarter of float32's size in
 * the version and in the service's memory (7.5 MB instead of 30 at 40k terms x 192 dims). Rounding
 * moves each entry by at most 1/254 of its row's largest; docs and queries both go through the
 * same rounded values, so they stay comparable.
 */
export interface Projection {
  q: Int8Array;
  scale: Float32Array;
}

function quantizeRows(P: Float64Array, rows: number, k: number): Projection {
  const q = new Int8Array(rows * k);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < k; c++) max = Math.max(max, Math.abs(P[r * k + c]));
    scale[r] = max / 127;
    if (max === 0) continue;
    const inv = 127 / max;
    for (let c = 0; c < k; c++) q[r * k + c] = Math.round(P[r * k + c] * inv);
  }
  return { q, scale };
}

function bytesOf(a: Float32Array | Int8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

interface SparseVec {
  idx: Int32Array;
  val: Float64Array;
}

export class CatalogEmbedder implements Embedder {
  readonly id = 'catalog' as const;
  private readonly termIndex: Map<string, number>;
  private readonly blocks: Uint8Array;

  private constructor(
    readonly options: CatalogOptions,
    readonly terms: string[],
    /** idf per term */
    readonly idf: Float32Array,
    /** term -> component weights, int8 per row with a float scale (terms x dims) */
    readonly projection: Projection,
    readonly dims: number,
    readonly singularValues: number[],
    readonly docsFitted: number,
    readonly fingerprint: string,
  ) {
    this.termIndex = new Map(terms.map((t, i) => [t, i]));
    this.blocks = termBlocks(terms);
  }

  /** The weighted sparse vector of raw term counts (unknown terms dropped). */
  private sparse(counts: Map<string, number>): SparseVec {
    const idx: number[] = [];
    const tf: number[] = [];
    for (const [t, n] of counts) {
      const i = this.termIndex.get(t);
      if (i !== undefined) {
        idx.push(i);
        tf.push(n);
      }
    }
    return weigh(idx, tf, this.blocks, this.idf, this.options.weights);
  }

  /** Fits vocabulary, idf and projection on a corpus. Deterministic: the same docs and options give the same bits. */
  static fit(
    allDocs: readonly MovieDoc[],
    options: Partial<CatalogOptions> = {},
    onStep?: (step: string) => void,
    /** where the SVD's dense products run (linalg-threads.ts: two threads, same bits) */
    ops?: DenseOps,
  ): CatalogEmbedder {
    const o: CatalogOptions = { ...DEFAULT_CATALOG_OPTIONS, ...options, weights: { ...DEFAULT_CATALOG_OPTIONS.weights, ...options.weights } };
    const docs = fitSample(allDocs, o.maxFitDocs);
    onStep?.('vocabulary');
    // One pass over the corpus: each movie's terms as provisional ids + counts (compact typed arrays,
    // not 10^5 Maps held through the SVD), and the document frequency of every term.
    const provisional = new Map<string, number>();
    const provTerms: string[] = [];
    const df: number[] = [];
    const docIds: Int32Array[] = [];
    const docTfs: Float64Array[] = [];
    for (const d of docs) {
      const c = docTerms(d, o.titleRepeat);
      const ids = new Int32Array(c.size);
      const tfs = new Float64Array(c.size);
      let j = 0;
      for (const [t, n] of c) {
        let id = provisional.get(t);
        if (id === undefined) {
          id = provTerms.length;
          provisional.set(t, id);
          provTerms.push(t);
          df.push(0);
        }
        df[id]++;
        ids[j] = id;
        tfs[j++] = n;
      }
      docIds.push(ids);
      docTfs.push(tfs);
    }
    const maxDf = Math.max(o.minDf, Math.floor(o.maxDfRatio * docs.length));
    let kept = provTerms.map((_, id) => id).filter((id) => df[id] >= o.minDf && df[id] <= maxDf);
    if (kept.length > o.maxFeatures) {
      kept.sort((a, b) => df[b] - df[a] || (provTerms[a] < provTerms[b] ? -1 : 1));
      kept = kept.slice(0, o.maxFeatures);
    }
    kept.sort((a, b) => (provTerms[a] < provTerms[b] ? -1 : provTerms[a] > provTerms[b] ? 1 : 0));
    const vocab = kept.map((id) => provTerms[id]);
    const finalIndex = new Int32Array(provTerms.length).fill(-1);
    kept.forEach((id, i) => (finalIndex[id] = i));
    const idf = new Float32Array(vocab.length);
    kept.forEach((id, i) => (idf[i] = Math.log((1 + docs.length) / (1 + df[id])) + 1));
    const blocks = termBlocks(vocab);

    onStep?.('tf-idf matrix');
    let nnz = 0;
    const rows = docIds.map((ids, i) => {
      const idx: number[] = [];
      const tf: number[] = [];
      ids.forEach((id, j) => {
        if (finalIndex[id] >= 0) {
          idx.push(finalIndex[id]);
          tf.push(docTfs[i][j]);
        }
      });
      const r = weigh(idx, tf, blocks, idf, o.weights);
      nnz += r.idx.length;
      return r;
    });
    docIds.length = 0;
    docTfs.length = 0;
    // on shared memory when a helper thread shares the products: it reads A in place, not a copy
    const mem = (bytes: number) => (ops ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const A: Csr = {
      rows: docs.length,
      cols: vocab.length,
      indptr: new Int32Array(mem((docs.length + 1) * 4)),
      indices: new Int32Array(mem(nnz * 4)),
      data: new Float64Array(mem(nnz * 8)),
    };
    let p = 0;
    rows.forEach((r, i) => {
      A.indices.set(r.idx, p);
      A.data.set(r.val, p);
      p += r.idx.length;
      A.indptr[i + 1] = p;
    });
    rows.length = 0;
    let projection: Projection;
    let dims: number;
    let singularValues: number[];
    if (vocab.length === 0 || docs.length === 0) {
      // nothing shared between any two movies: a 1-d space where the fallback vectors live
      projection = { q: new Int8Array(0), scale: new Float32Array(0) };
      dims = 1;
      singularValues = [];
    } else {
      const svd = randomizedSvd(A, o.dims, { oversample: o.oversample, powerIters: o.powerIters, seed: o.seed, onStep, ops });
      projection = quantizeRows(svd.components, vocab.length, svd.k);
      dims = svd.k;
      singularValues = Array.from(svd.singularValues, (s) => Math.round(s * 1e6) / 1e6);
    }
    const fp = fingerprintOf(o, vocab, idf, projection);
    return new CatalogEmbedder(o, vocab, idf, projection, dims, singularValues, docs.length, fp);
  }

  keyText(doc: MovieDoc): string {
    return JSON.stringify(doc);
  }

  /** Dense unit vector of a sparse weighted term vector (a fixed pseudo-random one when no term is known). */
  private project(v: SparseVec, fallbackKey: string, out: Float32Array, offset: number): void {
    const k = this.dims;
    const acc = new Float64Array(k);
    for (let j = 0; j < v.idx.length; j++) {
      const t = v.idx[j];
      const w = v.val[j] * this.projection.scale[t];
      const q = this.projection.q;
      const po = t * k;
      for (let c = 0; c < k; c++) acc[c] += w * q[po + c];
    }
    let n = 0;
    for (let c = 0; c < k; c++) n += acc[c] * acc[c];
    if (n < 1e-24) {
      // No known term: a vector derived from the text itself, so such movies do not all collapse onto one point.
      const rng = new Rng(createHash('sha256').update(fallbackKey).digest().readUInt32LE(0));
      for (let c = 0; c < k; c++) acc[c] = rng.sign();
      n = k;
    }
    const inv = 1 / Math.sqrt(n);
    for (let c = 0; c < k; c++) out[offset + c] = acc[c] * inv;
  }

  async embedDocs(docs: MovieDoc[], onProgress?: (done: number) => void): Promise<Float32Array> {
    return this.embedDocsSync(docs, onProgress);
  }

  embedDocsSync(docs: MovieDoc[], onProgress?: (done: number) => void): Float32Array {
    const out = new Float32Array(docs.length * this.dims);
    this.embedRowsInto(docs, docs.map((_, i) => i), out, onProgress);
    return out;
  }

  /** Embeds docs[rows[j]] straight into row rows[j] of `out` (no second n x dims buffer). */
  embedRowsInto(docs: readonly MovieDoc[], rows: readonly number[], out: Float32Array, onProgress?: (done: number) => void): void {
    rows.forEach((row, j) => {
      this.embedInto(docs[row], out, row);
      if (onProgress && (j + 1) % 1000 === 0) onProgress(j + 1);
    });
    onProgress?.(rows.length);
  }

  /** Embeds one doc into row `row` of `out`. */
  embedInto(d: MovieDoc, out: Float32Array, row: number): void {
    this.project(this.sparse(docTerms(d, this.options.titleRepeat)), this.keyText(d), out, row * this.dims);
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embedQuerySync(text);
  }

  embedQuerySync(text: string): Float32Array {
    const out = new Float32Array(this.dims);
    const v = this.sparse(queryTerms(text, (t) => this.termIndex.has(t)));
    this.project(v, `query:${text}`, out, 0);
    return out;
  }

  /** How many of a query's terms the vocabulary knows (0 means the query vector carries no meaning). */
  knownQueryTerms(text: string): number {
    let n = 0;
    for (const t of queryTerms(text, (x) => this.termIndex.has(x)).keys()) if (this.termIndex.has(t)) n++;
    return n;
  }

  spec(): EmbedderSpec {
    return { id: 'catalog', fingerprint: this.fingerprint, dims: this.dims, paramsFile: PARAMS_FILE, paramsBinFile: PARAMS_BIN_FILE };
  }

  /** Writes the fitted parameters into `dir` (a version dir or a cache entry). */
  async save(dir: string): Promise<void> {
    const json: ParamsJson = {
      algo: CATALOG_ALGO_VERSION,
      options: this.options,
      fingerprint: this.fingerprint,
      dims: this.dims,
      docs: this.docsFitted,
      terms: this.terms,
      singularValues: this.singularValues,
    };
    // layout: idf (V float32) | row scales (V float32) | int8 projection (V x dims)
    const { q, scale } = this.projection;
    const bin = Buffer.concat([bytesOf(this.idf), bytesOf(scale), bytesOf(q)]);
    await writeFile(path.join(dir, PARAMS_BIN_FILE), bin);
    await writeFile(path.join(dir, PARAMS_FILE), JSON.stringify(json));
  }

  static async load(dir: string): Promise<CatalogEmbedder> {
    const json = JSON.parse(await readFile(path.join(dir, PARAMS_FILE), 'utf8')) as ParamsJson;
    if (json.algo !== CATALOG_ALGO_VERSION) {
      throw new Error(`${PARAMS_FILE} in ${dir} was fitted by catalog embedder v${json.algo}; this code is v${CATALOG_ALGO_VERSION}`);
    }
    const buf = await readFile(path.join(dir, PARAMS_BIN_FILE));
    const V = json.terms.length;
    const k = V > 0 ? json.dims : 0;
    const expected = V * 8 + V * k;
    if (buf.byteLength !== expected) {
      throw new Error(`${PARAMS_BIN_FILE} in ${dir} has ${buf.byteLength} bytes, expected ${expected}`);
    }
    // copies into fresh (aligned) buffers
    const idf = new Float32Array(V);
    new Uint8Array(idf.buffer).set(buf.subarray(0, V * 4));
    const scale = new Float32Array(V);
    new Uint8Array(scale.buffer).set(buf.subarray(V * 4, V * 8));
    const q = new Int8Array(V * k);
    new Uint8Array(q.buffer).set(buf.subarray(V * 8));
    const projection: Projection = { q, scale };
    const e = new CatalogEmbedder(json.options, json.terms, idf, projection, json.dims, json.singularValues, json.docs, json.fingerprint);
    const fp = fingerprintOf(json.options, json.terms, idf, projection);
    if (fp !== json.fingerprint) throw new Error(`catalog embedder parameters in ${dir} do not match their fingerprint`);
    return e;
  }
}

/** The block (index into BLOCKS) of each vocabulary term. */
function termBlocks(terms: string[]): Uint8Array {
  return Uint8Array.from(terms, (t) => BLOCKS.indexOf(blockOf(t)));
}

/**
 * Sublinear tf x idf of vocabulary terms `idx` with raw counts `tf`; each block L2-normalized then
 * scaled by its weight; the whole vector unit length. Entries come out sorted by term index.
 */
function weigh(idx: number[], tf: number[], blocks: Uint8Array, idf: Float32Array, weights: Record<Block, number>): SparseVec {
  const order = idx.map((_, j) => j).sort((a, b) => idx[a] - idx[b]);
  const w = new Float64Array(idx.length);
  const blockNorm = new Float64Array(BLOCKS.length);
  order.forEach((j, k) => {
    w[k] = (1 + Math.log(tf[j])) * idf[idx[j]];
    blockNorm[blocks[idx[j]]] += w[k] * w[k];
  });
  const out = new Int32Array(idx.length);
  let total = 0;
  order.forEach((j, k) => {
    const b = blocks[idx[j]];
    out[k] = idx[j];
    w[k] = (w[k] / Math.sqrt(blockNorm[b])) * weights[BLOCKS[b]];
    total += w[k] * w[k];
  });
  if (total > 0) {
    const inv = 1 / Math.sqrt(total);
    for (let k = 0; k < w.length; k++) w[k] *= inv;
  }
  return { idx: out, val: w };
}

function fingerprintOf(o: CatalogOptions, terms: string[], idf: Float32Array, projection: Projection): string {
  const h = createHash('sha256');
  h.update(`catalog|algo=${CATALOG_ALGO_VERSION}|blocks=${BLOCKS.join(',')}|${JSON.stringify(o)}\n`);
  h.update(terms.join('\n'));
  h.update(new Uint8Array(idf.buffer, idf.byteOffset, idf.byteLength));
  h.update(bytesOf(projection.scale));
  h.update(bytesOf(projection.q));
  return h.digest('hex');
}

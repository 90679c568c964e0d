// npm run bench:index [-- --only real|full --queries 1000 --tf-docs 512 --no-transformers --ef 10,20,...]
//
// Embedding and index figures on
//   - the REAL shared (partial) catalog, and
//   - the full-size SYNTHETIC catalog (45,466 movies: data/synth/full, generated with
//     `npm run data:synth -- --movies 45466 --out data/synth/full` if missing; extract+transform
//     run once into data/synth/bench-index/).
// Prints, per catalog:
//   - embed time and throughput of each embedder available: catalog (fit + embed, all movies) and
//     transformers with a RANDOM-WEIGHT BERT of all-MiniLM-L6-v2's shape (speed only, on a sample;
//     generated under data/synth/bench-index/models/ on first use);
//   - HNSW build time (M, efConstruction) and, for a sweep of ef, recall@10 against exact
//     brute-force cosine over `queries` random movies, with query latency p50/p99 (exact vs HNSW);
//     the smallest ef reaching recall@10 >= 0.99 is the one to ship;
//   - quality, on the real catalog: among movies whose collection has other members in the catalog,
//     the share whose top-5 holds at least one of them; and genre agreement of the top-5 (share of
//     the 5 sharing at least one genre with the movie; mean genre-set Jaccard), for Marquee's
//     recommendations (catalog embedder + HNSW) and for a plain TF-IDF-over-overview baseline.
// The machine has 2 cores shared with other work: timings are noisy; the load average is printed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readAllJsonl } from '../../pipeline/artifacts/files.js';
import { FILES, prepareVersionDir } from '../../pipeline/artifacts/store.js';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { CatalogEmbedder } from '../../pipeline/embedders/catalog/model.js';
import { movieDoc, renderText } from '../../pipeline/embedders/movie-doc.js';
import { TransformersEmbedder } from '../../pipeline/embedders/transformers.js';
import { exactTopK, rowOf } from '../../pipeline/index/exact.js';
import { addRows, DEFAULT_INDEX_PARAMS, newIndex, type Hnsw } from '../../pipeline/index/hnsw.js';
import { qualityFigures, type QualityFigures } from '../../pipeline/index/quality.js';
import { sparseVariantNeighbours, tfidfOverviewNeighbours } from '../../pipeline/index/tfidf-baseline.js';
import { HNSW_CANDIDATES, RERANK_WEIGHTS, RerankFeatures, type RerankWeights } from '../../pipeline/index/rerank.js';
import { buildSimilarLists } from '../../pipeline/index/similar-lists.js';
import { SHARED_TMDB_DIR } from '../../pipeline/config.js';
import { gunzipSync } from 'node:zlib';
import { createLogger } from '../../pipeline/log.js';
import type { StageContext } from '../../pipeline/stages/context.js';
import { runExtract } from '../../pipeline/stages/extract.js';
import { runTransform } from '../../pipeline/stages/transform.js';
import type { Movie } from '../../pipeline/types.js';
import { makeSynthModel, MINILM_SHAPE } from '../fixtures/embed/synth-model.js';
import { realArtifacts } from '../helpers/real-artifacts.js';

const SYNTH_FULL = path.join(PROJECT_ROOT, 'data', 'synth', 'full');
const WORK = path.join(PROJECT_ROOT, 'data', 'synth', 'bench-index');
const RESULTS = path.join(WORK, 'last.json');
const BENCH_MODEL_ID = 'bench/minilm-shape-random';

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);
const int = (x: number) => Math.round(x).toLocaleString('en-US');
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : Number.NaN;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** `n` distinct rows out of `count`, seeded. */
function sampleRows(count: number, n: number, seed: number): number[] {
  const r = rng(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(n, count)) picked.add(Math.floor(r() * count));
  return [...picked];
}

// ------------------------------------------------------------------ catalogs

async function realCatalog(): Promise<Movie[]> {
  const dir = await realArtifacts();
  const version = readFileSync(path.join(dir, 'CURRENT'), 'utf8').trim();
  return readAllJsonl<Movie>(path.join(dir, version, FILES.catalog));
}

/** extract + transform of the full-size synthetic input, once (rebuilt when the input changes). */
async function fullCatalog(): Promise<Movie[] | null> {
  if (!existsSync(path.join(SYNTH_FULL, 'synth.json'))) {
    console.log(`generating the full-size synthetic input in ${path.relative(PROJECT_ROOT, SYNTH_FULL)} ...`);
    const r = spawnSync('npx', ['tsx', 'pipeline/synth/cli.ts', '--movies', '45466', '--out', SYNTH_FULL], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      console.log('  could not generate it; skipping the full-size catalog');
      return null;
    }
  }
  const stamp = `${statSync(path.join(SYNTH_FULL, 'synth.json')).mtimeMs}`;
  const artifactsDir = path.join(WORK, 'full-artifacts');
  const version = '20000101T000000000Z-benchidx';
  const catalog = path.join(artifactsDir, version, FILES.catalog);
  const stampFile = path.join(artifactsDir, 'input-stamp');
  if (!existsSync(catalog) || !existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    console.log('extract + transform of the full-size synthetic input (one-off) ...');
    await rm(artifactsDir, { recursive: true, force: true });
    const dir = await prepareVersionDir(artifactsDir, version);
    const ctx: StageContext = {
      config: loadConfig({ dataDir: SYNTH_FULL, artifactsDir, logLevel: 'warn' }),
      runId: 'bench-index',
      version,
      dir,
      log: createLogger('bench-index', 'warn'),
      progress: () => {},
    };
    const t0 = performance.now();
    await runExtract(ctx);
    await runTransform(ctx);
    await writeFile(stampFile, stamp);
    console.log(`  done in ${f1((performance.now() - t0) / 1000)} s`);
  }
  return readAllJsonl<Movie>(catalog);
}

// ------------------------------------------------------------------ measurements

interface EmbedFigures {
  embedder: string;
  movies: number;
  dims: number;
  fitMs?: number;
  embedMs: number;
  perSec: number;
  note?: string;
}

function catalogEmbed(movies: Movie[]): { emb: CatalogEmbedder; matrix: Float32Array; fig: EmbedFigures } {
  const docs = movies.map(movieDoc);
  let t0 = performance.now();
  const emb = CatalogEmbedder.fit(docs);
  const fitMs = performance.now() - t0;
  t0 = performance.now();
  const matrix = emb.embedDocsSync(docs);
  const embedMs = performance.now() - t0;
  return {
    emb,
    matrix,
    fig: {
      embedder: 'catalog',
      movies: movies.length,
      dims: emb.dims,
      fitMs,
      embedMs,
      perSec: movies.length / ((fitMs + embedMs) / 1000),
      note: `vocabulary ${int(emb.terms.length)} terms; params ${mb(emb.projection.q.byteLength + emb.projection.scale.byteLength + emb.idf.byteLength)}`,
    },
  };
}

async function transformersEmbed(movies: Movie[], n: number, quantized: boolean): Promise<EmbedFigures> {
  const modelDir = path.join(WORK, 'models');
  await makeSynthModel(modelDir, BENCH_MODEL_ID, MINILM_SHAPE);
  const e = await TransformersEmbedder.load({ modelId: BENCH_MODEL_ID, modelDir, allowRemoteModels: false, quantized, batchSize: 32 });
  const texts = sampleRows(movies.length, n, 7).map((r) => renderText(movieDoc(movies[r])));
  await e.embedTexts(texts.slice(0, 32)); // warm-up
  const t0 = performance.now();
  await e.embedTexts(texts);
  const embedMs = performance.now() - t0;
  const tokens = texts.map((t) => e.tokenCount(t)).sort((a, b) => a - b);
  await e.dispose();
  const perSec = texts.length / (embedMs / 1000);
  return {
    embedder: `transformers (random-weight MiniLM shape, ${quantized ? 'int8' : 'fp32'})`,
    movies: texts.length,
    dims: e.dims,
    embedMs,
    perSec,
    note: `sample of ${texts.length}, batch 32, median ${quantile(tokens, 0.5)} tokens; all ${int(movies.length)} would take ~${f1(movies.length / perSec / 60)} min`,
  };
}

interface EfFigures {
  ef: number;
  recallAt10: number;
  /** a returned movie also counts when its exact cosine ties the 10th best (within 1e-6) */
  tieAwareRecallAt10: number;
  p50: number;
  p99: number;
}

/** HNSW top-k of row r (self dropped): asks for k+1. */
function hnswNeighbours(index: Hnsw, matrix: Float32Array, dims: number, r: number, k: number): number[] {
  const res = index.searchKnn(Array.from(rowOf(matrix, dims, r)), k + 1);
  return res.neighbors.filter((x) => x !== r).slice(0, k);
}

function dot(matrix: Float32Array, dims: number, a: number, b: number): number {
  let s = 0;
  for (let c = 0; c < dims; c++) s += matrix[a * dims + c] * matrix[b * dims + c];
  return s;
}

function recallSweep(index: Hnsw, matrix: Float32Array, dims: number, queries: number[], efs: number[]) {
  // exact reference, timed
  const exactLat: number[] = [];
  const truth = queries.map((r) => {
    const t0 = performance.now();
    const top = exactTopK(matrix, dims, rowOf(matrix, dims, r), 10, (x) => x === r);
    exactLat.push(performance.now() - t0);
    return { rows: new Set(top.map((n) => n.row)), tenth: top[top.length - 1].score };
  });
  exactLat.sort((a, b) => a - b);
  const sweep: EfFigures[] = [];
  for (const ef of efs) {
    index.setEf(ef);
    const lat: number[] = [];
    let hits = 0;
    let tieHits = 0;
    queries.forEach((r, i) => {
      const q = Array.from(rowOf(matrix, dims, r));
      const t0 = performance.now();
      const res = index.searchKnn(q, 11);
      lat.push(performance.now() - t0);
      for (const x of res.neighbors.filter((x) => x !== r).slice(0, 10)) {
        if (truth[i].rows.has(x)) hits++;
        if (truth[i].rows.has(x) || dot(matrix, dims, r, x) >= truth[i].tenth - 1e-6) tieHits++;
      }
    });
    lat.sort((a, b) => a - b);
    sweep.push({
      ef,
      recallAt10: hits / (10 * queries.length),
      tieAwareRecallAt10: tieHits / (10 * queries.length),
      p50: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
    });
  }
  return { exactP50: quantile(exactLat, 0.5), exactP99: quantile(exactLat, 0.99), sweep };
}

function qualityRow(label: string, q: QualityFigures, width = 34): string {
  return `${label.padEnd(width)}${f3(q.collectionHitRate).padEnd(12)}${f3(q.genreShareAtK).padEnd(12)}${f3(q.genreJaccardAtK)}`;
}

/**
 * --tune-rerank: the rerank weights that maximise MovieLens ratings co-occurrence of the top-5 (lift:
 * how much more often than chance the same users rated both movies), over the movies with 20+
 * raters. Collections play no part. Prints the best settings; RERANK_WEIGHTS holds the chosen one.
 */
function tuneRerank(byRow: Movie[], index: Hnsw, matrix: Float32Array, dims: number): void {
  const lines = (f: string) => gunzipSync(readFileSync(path.join(SHARED_TMDB_DIR, f))).toString('utf8').trim().split(/\r?\n/).slice(1);
  const tmdb = new Map<string, number>();
  for (const l of lines('links.csv.gz')) {
    const [m, , t] = l.split(',');
    if (t) tmdb.set(m, Number(t));
  }
  const rowOf = new Map(byRow.map((m, r) => [m.id, r]));
  const raters = new Map<number, Set<number>>();
  for (const l of lines('ratings_small.csv.gz')) {
    const [u, m] = l.split(',');
    const r = rowOf.get(tmdb.get(m) ?? -1);
    if (r === undefined) continue;
    if (!raters.has(r)) raters.set(r, new Set());
    raters.get(r)!.add(Number(u));
  }
  const users = new Set([...raters.values()].flatMap((s) => [...s])).size;
  const lift = (a: number, b: number) => {
    const A = raters.get(a);
    const B = raters.get(b);
    if (!A || !B) return 0;
    let n = 0;
    for (const x of A) if (B.has(x)) n++;
    return Math.log1p((n * users) / (A.size * B.size));
  };
  const queries = [...raters.keys()].filter((r) => raters.get(r)!.size >= 20);
  const features = new RerankFeatures(byRow.map((m) => ({ title: m.title, keywords: m.keywords, cast: m.cast })));
  const cands = queries.map((r) => {
    const res = index.searchKnn(Array.from(matrix.subarray(r * dims, (r + 1) * dims)), HNSW_CANDIDATES, (l) => l !== r);
    const out = res.neighbors.map((l, j) => [l, 1 - res.distances[j]] as [number, number]);
    const have = new Set(res.neighbors);
    for (const l of features.titleCandidates(r)) {
      if (have.has(l)) continue;
      let d = 0;
      for (let x = 0; x < dims; x++) d += matrix[r * dims + x] * matrix[l * dims + x];
      out.push([l, d]);
    }
    return out;
  });
  const objective = (w: RerankWeights) =>
    queries.reduce((acc, r, qi) => {
      const top = cands[qi].map(([l, c]) => [l, features.score(r, l, c, w)] as [number, number]).sort((a, b) => b[1] - a[1]).slice(0, 5);
      return acc + top.reduce((a, [l]) => a + lift(r, l), 0) / 5;
    }, 0) / queries.length;
  const tried: [number, RerankWeights][] = [];
  for (const sameBaseTitle of [0, 0.3]) for (const keywords of [0, 0.2]) for (const cast of [0, 0.2]) for (const titleWords of [0, 0.2, 0.4, 0.6]) {
    const w = { sameBaseTitle, keywords, cast, titleWords };
    tried.push([objective(w), w]);
  }
  tried.sort((a, b) => b[0] - a[0]);
  console.log(`rerank tuning on ratings co-occurrence lift (${queries.length} movies with 20+ MovieLens raters; embedding alone: ${f3(objective({ sameBaseTitle: 0, keywords: 0, cast: 0, titleWords: 0 }))}):`);
  for (const [v, w] of tried.slice(0, 5)) console.log(`  ${f3(v)}  ${JSON.stringify(w)}${JSON.stringify(w) === JSON.stringify(RERANK_WEIGHTS) ? '  <- shipped' : ''}`);
}

async function benchCatalog(
  name: string,
  movies: Movie[],
  opts: { queries: number; efs: number[]; tfDocs: number; transformers: boolean; quality: boolean; tuneRerank?: boolean },
) {
  console.log(`\n== ${name}: ${int(movies.length)} movies`);
  const out: Record<string, unknown> = { name, movies: movies.length };

  // embedders
  const { emb, matrix, fig } = catalogEmbed(movies);
  const embeds: EmbedFigures[] = [fig];
  if (opts.transformers) {
    for (const quantized of [true, false]) embeds.push(await transformersEmbed(movies, opts.tfDocs, quantized));
  }
  console.log('embedder                                         dims  fit s   embed s  movies/s  notes');
  for (const e of embeds) {
    console.log(
      `${e.embedder.padEnd(49)}${String(e.dims).padEnd(6)}${(e.fitMs !== undefined ? f1(e.fitMs / 1000) : '-').padEnd(8)}` +
        `${f1(e.embedMs / 1000).padEnd(9)}${f1(e.perSec).padEnd(10)}${e.note ?? ''}`,
    );
  }
  out.embed = embeds;

  // index
  const p = DEFAULT_INDEX_PARAMS;
  const t0 = performance.now();
  const index = newIndex(emb.dims, movies.length, p);
  addRows(index, matrix, emb.dims);
  const buildMs = performance.now() - t0;
  const file = path.join(os.tmpdir(), `bench-index-${process.pid}.hnsw`);
  await index.writeIndex(file);
  const bytes = statSync(file).size;
  await rm(file, { force: true });
  console.log(
    `HNSW build (cosine, M=${p.M}, efConstruction=${p.efConstruction}): ${f1(buildMs / 1000)} s, ` +
      `${f1(movies.length / (buildMs / 1000))} vectors/s; index file ${mb(bytes)}`,
  );

  // recall and latency
  const queries = sampleRows(movies.length, opts.queries, 11);
  const rs = recallSweep(index, matrix, emb.dims, queries, opts.efs);
  console.log(`recall@10 vs exact cosine over ${queries.length} random movies (self excluded); latency per query:`);
  console.log(`  exact brute force: p50 ${f2(rs.exactP50)} ms, p99 ${f2(rs.exactP99)} ms`);
  for (const s of rs.sweep) {
    const mark = s.ef === p.ef ? '  <- shipped default' : '';
    console.log(
      `  HNSW ef=${String(s.ef).padEnd(5)} recall@10 ${f3(s.recallAt10)} (tie-aware ${f3(s.tieAwareRecallAt10)})  ` +
        `p50 ${f3(s.p50)} ms, p99 ${f3(s.p99)} ms${mark}`,
    );
  }
  const enough = rs.sweep.find((s) => s.recallAt10 >= 0.99);
  console.log(enough ? `  smallest ef with recall@10 >= 0.99: ${enough.ef}` : '  no ef in the sweep reaches recall@10 >= 0.99');
  out.index = { ...p, buildMs, bytes, exactP50: rs.exactP50, exactP99: rs.exactP99, sweep: rs.sweep, efFor099: enough?.ef ?? null };

  // quality
  if (opts.quality) {
    index.setEf(p.ef);
    // the matrix rows are the movies in catalog order
    const byRow = movies;
    const t1 = performance.now();
    const lists = buildSimilarLists(index, matrix, emb.dims, new RerankFeatures(byRow.map((m) => ({ title: m.title, keywords: m.keywords, cast: m.cast }))));
    const listMs = performance.now() - t1;
    const fromList = (i: number) => Array.from(lists.rows.subarray(i * lists.k, i * lists.k + 5)).filter((x) => x >= 0);
    const marquee = qualityFigures(movies, fromList);
    const embeddingOnly = qualityFigures(movies, (i) => hnswNeighbours(index, matrix, emb.dims, i, 5));
    const base = tfidfOverviewNeighbours(movies.map((m) => m.overview), 5);
    const baseline = qualityFigures(movies, (i) => base[i]);
    const sv = sparseVariantNeighbours(movies, 5);
    const sparse = qualityFigures(movies, (i) => sv[i]);
    console.log(`quality of the top-5 (${marquee.collectionQueries} movies with collection mates in the catalog; ${marquee.genreQueries} with genres):`);
    console.log(`${''.padEnd(58)}${'coll.hit@5'.padEnd(12)}${'genre@5'.padEnd(12)}genre Jaccard@5`);
    console.log(qualityRow('Marquee: precomputed reranked lists', marquee, 58));
    console.log(qualityRow('  embedding alone (catalog embedder + HNSW)', embeddingOnly, 58));
    console.log(qualityRow('baseline: TF-IDF of the overview', baseline, 58));
    console.log(qualityRow('sparse variant: TF-IDF title+overview+kw+genres+3grams', sparse, 58));
    console.log(
      `  coll.hit@5: share of those movies whose top-5 holds a collection mate; genre@5: mean share of the top-5 ` +
        `sharing >= 1 genre; Jaccard: mean genre-set Jaccard. Lists for all ${movies.length} movies built in ${f1(listMs / 1000)} s ` +
        `(${mb(lists.rows.byteLength + lists.scores.byteLength)}); collections are never an input nor a tuning target.`,
    );
    const met = marquee.collectionHitRate >= 0.93 && marquee.genreJaccardAtK >= 0.45;
    console.log(`  targets coll.hit@5 >= 0.93 and genre Jaccard@5 >= 0.45 at once: ${met ? 'MET' : 'MISSED'}`);
    out.quality = { marquee, embeddingOnly, baseline, sparse, listMs };
    if (opts.tuneRerank) tuneRerank(byRow, index, matrix, emb.dims);
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      queries: { type: 'string', default: '1000' },
      'tf-docs': { type: 'string', default: '512' },
      'no-transformers': { type: 'boolean', default: false },
      ef: { type: 'string', default: '10,16,24,32,48,64,96,128,200' },
      'tune-rerank': { type: 'boolean', default: false },
    },
  });
  const opts = {
    tuneRerank: values['tune-rerank'],
    queries: Number(values.queries),
    efs: values.ef!.split(',').map(Number),
    tfDocs: Number(values['tf-docs']),
    transformers: !values['no-transformers'],
  };
  console.log(
    `bench:index on ${os.cpus().length} cores, load average ${os.loadavg().map(f1).join(' ')} ` +
      '(other processes share the CPU: timings are noisy)',
  );
  await mkdir(WORK, { recursive: true });
  const results: unknown[] = [];
  if (values.only !== 'full') results.push(await benchCatalog('REAL shared catalog (partial)', await realCatalog(), { ...opts, quality: true }));
  if (values.only !== 'real') {
    const full = await fullCatalog();
    // synthetic collections are invented (members share only a title stem): quality figures would mean nothing there
    if (full) results.push(await benchCatalog('full-size SYNTHETIC catalog', full, { ...opts, quality: false }));
  }
  console.log(`\nload average at the end ${os.loadavg().map(f1).join(' ')}`);
  await writeFile(RESULTS, JSON.stringify({ at: new Date().toISOString(), loadavg: os.loadavg(), results }, null, 2));
  console.log(`results: ${path.relative(PROJECT_ROOT, RESULTS)}`);
}

await main();

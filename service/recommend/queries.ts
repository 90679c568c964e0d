// SimilarMovies and SearchMovies: pure functions of (state, request).
import type { Movie } from '../../pipeline/types.js';
import { resolveTitle, type TitleRef } from '../catalog/resolve-title.js';
import { movieRef } from '../catalog/messages.js';
import { watchOptions } from '../platforms/messages.js';
import { PLATFORMS_EXTENSION } from '../platforms/queries.js';
import type { PlatformTables } from '../platforms/tables.js';
import { failedPrecondition, invalidArgument, notFound } from '../errors.js';
import type { CatalogState } from '../state.js';
import { intIn } from '../validate.js';
import { RECOMMEND_EXTENSION, type RecommendReady, type RecommendState } from './extension.js';

export const DEFAULT_K = 5;
export const MAX_K = 50;
export const MAX_QUERY = 1000;

function kOf(v: unknown): number {
  return intIn(v ?? 0, 'k', 1, MAX_K, `the default ${DEFAULT_K}`) || DEFAULT_K;
}

function ready(state: CatalogState): RecommendReady {
  const r = state.ext.get(RECOMMEND_EXTENSION) as RecommendState | null | undefined;
  if (!r) throw failedPrecondition(`recommendations are not loaded for catalog version ${state.version}`, 'NO_INDEX');
  if (r.kind === 'missing') throw failedPrecondition(r.message, 'NO_INDEX');
  return r;
}

function scored(state: CatalogState, m: Movie, score: number) {
  const platforms = state.ext.get(PLATFORMS_EXTENSION) as PlatformTables | undefined;
  return { movie: movieRef(m), score: Math.round(score * 1e6) / 1e6, genres: m.genres, watch: watchOptions(m.id, platforms) };
}

/** Nearest labels of a vector, best first, as (movie, cosine) pairs, skipping `skipRow`. */
function nearest(r: RecommendReady, vector: number[], k: number, skipRow = -1): { m: Movie; score: number }[] {
  const want = Math.min(k + (skipRow >= 0 ? 1 : 0), r.meta.count);
  const res = r.index.searchKnn(vector, want);
  const out: { m: Movie; score: number }[] = [];
  res.neighbors.forEach((label, i) => {
    const m = r.movieAt[label];
    if (label === skipRow || !m || out.length >= k) return;
    out.push({ m, score: 1 - res.distances[i] });
  });
  return out;
}

function fromList(r: RecommendReady, row: number, k: number): { m: Movie; score: number }[] {
  const l = r.lists!;
  const out: { m: Movie; score: number }[] = [];
  for (let j = 0; j < l.k && out.length < k; j++) {
    const label = l.rows[row * l.k + j];
    if (label < 0) break;
    const m = r.movieAt[label];
    if (m) out.push({ m, score: l.scores[row * l.k + j] });
  }
  return out;
}

export function similarMovies(state: CatalogState, req: TitleRef & { k?: number }) {
  const k = kOf(req.k);
  const movie = resolveTitle(state, req);
  const r = ready(state);
  const row = r.rowOf.get(movie.id);
  if (row === undefined) {
    throw failedPrecondition(`movie ${movie.id} is not in the similarity index of version ${state.version}`, 'NOT_INDEXED');
  }
  // a lookup in the version's precomputed list (reranked); versions without one search the graph
  const similar = r.lists ? fromList(r, row, k) : nearest(r, r.index.getPoint(row), k, row);
  return {
    movie: movieRef(movie),
    similar: similar.map((s) => scored(state, s.m, s.score)),
    embedder: r.embedder.id,
    version: state.version,
  };
}

export async function searchMovies(state: CatalogState, req: { query?: string; k?: number }) {
  const k = kOf(req.k);
  const text = typeof req.query === 'string' ? req.query.trim() : '';
  if (!text) throw invalidArgument('query is required: a description of the movie you are looking for', { reason: 'EMPTY' });
  if (text.length > MAX_QUERY) {
    throw invalidArgument(`query is too long (${text.length} characters; at most ${MAX_QUERY})`, { reason: 'TOO_LONG' });
  }
  const r = ready(state);
  const q = r.query;
  if (q.kind === 'unavailable') throw failedPrecondition(q.error, 'EMBEDDER_UNAVAILABLE');
  if (q.kind === 'catalog' && q.embedder.knownQueryTerms(text) === 0) {
    throw notFound(
      `no word of the query occurs in the catalog's vocabulary (version ${state.version}); describe the plot, genre, people or keywords`,
      [],
      'NO_KNOWN_TERMS',
    );
  }
  const v = await q.embedder.embedQuery(text);
  const movies = nearest(r, Array.from(v), k);
  return { movies: movies.map((s) => scored(state, s.m, s.score)), embedder: r.embedder.id, version: state.version };
}

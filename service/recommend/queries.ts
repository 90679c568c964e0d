// SimilarMovies and SearchMovies: pure functions of (state, request).
import { resolveRow, type TitleRef } from '../catalog/resolve-title.js';
import { movieRefAt } from '../catalog/messages.js';
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

/** A catalog row as an answer entry. */
function scored(state: CatalogState, row: number, score: number) {
  const platforms = state.ext.get(PLATFORMS_EXTENSION) as PlatformTables | undefined;
  const { movies } = state;
  return {
    movie: movieRefAt(movies, row),
    score: Math.round(score * 1e6) / 1e6,
    genres: movies.list('genres', row),
    watch: watchOptions(movies.id[row], platforms),
  };
}

/** Nearest labels of a vector, best first, as (catalog row, cosine) pairs, skipping label `skip`. */
function nearest(r: RecommendReady, vector: number[], k: number, skip = -1): { row: number; score: number }[] {
  const want = Math.min(k + (skip >= 0 ? 1 : 0), r.meta.count);
  const res = r.index.searchKnn(vector, want);
  const out: { row: number; score: number }[] = [];
  res.neighbors.forEach((label, i) => {
    const row = r.rowAt[label] ?? -1;
    if (label === skip || row < 0 || out.length >= k) return;
    out.push({ row, score: 1 - res.distances[i] });
  });
  return out;
}

function fromList(r: RecommendReady, label: number, k: number): { row: number; score: number }[] {
  const l = r.lists!.read(label);
  const out: { row: number; score: number }[] = [];
  for (let j = 0; j < l.rows.length && out.length < k; j++) {
    const other = l.rows[j];
    if (other < 0) break;
    const row = r.rowAt[other] ?? -1;
    if (row >= 0) out.push({ row, score: l.scores[j] });
  }
  return out;
}

export function similarMovies(state: CatalogState, req: TitleRef & { k?: number }) {
  const k = kOf(req.k);
  const row = resolveRow(state, req);
  const r = ready(state);
  const label = r.labelOf[row];
  if (label < 0) {
    throw failedPrecondition(`movie ${state.movies.id[row]} is not in the similarity index of version ${state.version}`, 'NOT_INDEXED');
  }
  // a lookup in the version's precomputed list (reranked); versions without one search the graph
  const similar = r.lists ? fromList(r, label, k) : nearest(r, r.index.getPoint(label), k, label);
  return {
    movie: movieRefAt(state.movies, row),
    similar: similar.map((s) => scored(state, s.row, s.score)),
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
  return { movies: movies.map((s) => scored(state, s.row, s.score)), embedder: r.embedder.id, version: state.version };
}

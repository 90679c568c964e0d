// RatingsService: pure functions of (state, request).
import { normalizeKey } from '../../pipeline/normalize.js';
import type { MovieColumns } from '../../pipeline/catalog-columns/table.js';
import { movieRef, movieRefAt } from '../catalog/messages.js';
import { resolveRow, resolveTitle, type TitleRef } from '../catalog/resolve-title.js';
import { failedPrecondition, invalidArgument, notFound } from '../errors.js';
import { watchOptions } from '../platforms/messages.js';
import { PLATFORMS_EXTENSION } from '../platforms/queries.js';
import type { PlatformTables } from '../platforms/tables.js';
import { RECOMMEND_EXTENSION, type RecommendState } from '../recommend/extension.js';
import type { CatalogState } from '../state.js';
import { intIn } from '../validate.js';
import { rankingScore } from '../../pipeline/ratings/evaluate.js';
import { predict, ratedBy, RATINGS_EXTENSION, type RatingsExtensionValue, type RatingsState } from './model-state.js';

const DEFAULT_THRESHOLD = 3.5;
const DEFAULT_K = 10;
const MAX_K = 50;
const DEFAULT_MIN_RATINGS = 10;
const round = (x: number) => Math.round(x * 1000) / 1000;

function ratings(state: CatalogState): RatingsState {
  const r = state.ext.get(RATINGS_EXTENSION) as RatingsExtensionValue | undefined;
  if (!r) throw failedPrecondition(`the ratings model is not loaded for catalog version ${state.version}`, 'NO_RATINGS_MODEL');
  if ('missing' in r) throw failedPrecondition(r.missing, 'NO_RATINGS_MODEL');
  return r;
}

function knownUser(s: RatingsState, userId: number): number {
  const u = s.userOfId.get(userId);
  if (u === undefined) {
    throw notFound(
      `user ${userId} is not in the ratings (${s.model.meta.users.toLocaleString('en-US')} users); for a new user, call RecommendForUser with the movies they like`,
      [],
      'USER_NOT_FOUND',
    );
  }
  return u;
}

function userContext(s: RatingsState, u: number) {
  const n = s.model.userOffsets[u + 1] - s.model.userOffsets[u];
  return { userMeanRating: round(s.model.userMean[u]), userRatings: n };
}

export function predictRating(state: CatalogState, req: TitleRef & { userId?: number; threshold?: number | null }) {
  const s = ratings(state);
  const userId = intIn(req.userId ?? 0, 'user_id', 1, 2_000_000_000);
  const threshold = req.threshold ?? DEFAULT_THRESHOLD;
  if (!(threshold >= 0.5 && threshold <= 5)) throw invalidArgument(`threshold must be a rating from 0.5 to 5; got ${threshold}`, { reason: 'OUT_OF_RANGE' });
  const u = knownUser(s, userId);
  const movie = resolveTitle(state, req);
  const i = s.itemOfTmdb.get(movie.id);
  if (i === undefined) {
    throw notFound(
      `no user rated ${JSON.stringify(movie.title)} (${movie.releaseYear}, id ${movie.id}): the ratings model cannot predict it. What is known: TMDB vote average ${movie.voteAverage} from ${movie.voteCount} votes`,
      [],
      'MOVIE_NOT_RATED',
    );
  }
  const p = predict(s, u, i);
  const rated = ratedBy(s, u);
  const at = rated.indexOf(i);
  return {
    userId,
    movie: movieRef(movie),
    predictedRating: round(p),
    wouldLike: p >= threshold,
    threshold,
    ...userContext(s, u),
    ...(at >= 0 && { userRating: s.model.userStars[s.model.userOffsets[u] + at] }),
    movieRatings: s.itemCount[i],
  };
}

interface Filters {
  genre: string | null;
  from: number;
  to: number;
}

function filtersOf(req: { genre?: string; yearFrom?: number; yearTo?: number }): Filters {
  const genre = typeof req.genre === 'string' && req.genre.trim() ? normalizeKey(req.genre) : null;
  const from = intIn(req.yearFrom ?? 0, 'year_from', 1800, 2200, 'no lower bound');
  const to = intIn(req.yearTo ?? 0, 'year_to', 1800, 2200, 'no upper bound');
  if (from && to && from > to) throw invalidArgument(`year_from ${from} is after year_to ${to}`, { reason: 'BAD_RANGE' });
  return { genre, from, to };
}

/** Whether a catalog row passes the filters: the genre by its dictionary codes, the years by the column. */
function rowFilter(movies: MovieColumns, f: Filters): (row: number) => boolean {
  const g = movies.lists.genres;
  const wanted = f.genre ? new Set(g.values.toArray().flatMap((name, code) => (normalizeKey(name) === f.genre ? [code] : []))) : null;
  return (row) => {
    const year = movies.releaseYear[row];
    if ((f.from && year < f.from) || (f.to && year > f.to)) return false;
    if (!wanted) return true;
    for (let i = g.offsets[row]; i < g.offsets[row + 1]; i++) if (wanted.has(g.codes[i])) return true;
    return false;
  };
}

function checkGenre(state: CatalogState, f: Filters): void {
  if (!f.genre) return;
  const all = new Set(state.movies.lists.genres.values.toArray());
  if (![...all].some((g) => normalizeKey(g) === f.genre)) {
    throw invalidArgument(`no movie has the genre ${JSON.stringify(f.genre)}; genres: ${[...all].sort().join(', ')}`, { reason: 'UNKNOWN_GENRE' });
  }
}

/** The best `k` of rows 0..n-1 that pass, by `cmp` (a bounded insertion list: k is at most 50). */
function topRows(n: number, k: number, passes: (row: number) => boolean, cmp: (a: number, b: number) => number): number[] {
  const best: number[] = [];
  for (let row = 0; row < n; row++) {
    if (best.length === k && cmp(row, best[k - 1]) >= 0) continue;
    if (!passes(row)) continue;
    let at = best.length;
    while (at > 0 && cmp(row, best[at - 1]) < 0) at--;
    best.splice(at, 0, row);
    if (best.length > k) best.pop();
  }
  return best;
}

export function recommendForUser(
  state: CatalogState,
  req: { userId?: number; k?: number; genre?: string; yearFrom?: number; yearTo?: number; liked?: TitleRef[]; disliked?: TitleRef[]; minRatings?: number },
) {
  const k = intIn(req.k ?? 0, 'k', 1, MAX_K, `the default ${DEFAULT_K}`) || DEFAULT_K;
  const f = filtersOf(req);
  checkGenre(state, f);
  const platforms = state.ext.get(PLATFORMS_EXTENSION) as PlatformTables | undefined;
  const { movies } = state;
  const passes = rowFilter(movies, f);
  const entry = (row: number, extra: { predictedRating?: number; similarity?: number }) => ({
    movie: movieRefAt(movies, row),
    ...extra,
    genres: movies.list('genres', row),
    watch: watchOptions(movies.id[row], platforms),
  });
  const userId = intIn(req.userId ?? 0, 'user_id', 0, 2_000_000_000);
  const r = state.ext.get(RATINGS_EXTENSION) as RatingsExtensionValue | undefined;
  const s = r && !('missing' in r) ? r : null;
  const u = userId && s ? s.userOfId.get(userId) : undefined;

  if (s && u !== undefined) {
    const minRatings = intIn(req.minRatings ?? 0, 'min_ratings', 1, 1_000_000, `the default ${DEFAULT_MIN_RATINGS}`) || DEFAULT_MIN_RATINGS;
    const seen = new Set(ratedBy(s, u));
    const best: [number, number, number][] = [];
    for (let row = 0; row < movies.length; row++) {
      const i = s.itemOfTmdb.get(movies.id[row]);
      if (i === undefined || seen.has(i) || s.itemCount[i] < minRatings || !passes(row)) continue;
      const p = predict(s, u, i);
      const score = rankingScore(p, s.itemCount[i]);
      if (best.length < k || score > best[best.length - 1][0]) {
        best.push([score, row, p]);
        best.sort((a, b) => b[0] - a[0] || movies.id[a[1]] - movies.id[b[1]]);
        if (best.length > k) best.pop();
      }
    }
    return {
      userId,
      strategy: 'ratings model',
      movies: best.map(([, row, p]) => entry(row, { predictedRating: round(p) })),
      ...userContext(s, u),
      note: `movies of this catalog the user has not rated, with at least ${minRatings} ratings, ranked by predicted rating + ln(1 + ratings of the movie)`,
    };
  }

  // a new user: from the movies they name (liked, disliked), else the most popular
  const liked = (req.liked ?? []).map((x) => resolveRow(state, x));
  const disliked = (req.disliked ?? []).map((x) => resolveRow(state, x));
  const who = userId ? `user ${userId} is not in the ratings` : 'no user id';
  if (liked.length === 0 && disliked.length === 0) {
    const popular = topRows(movies.length, k, passes, (a, b) => movies.popularity[b] - movies.popularity[a] || movies.id[a] - movies.id[b]);
    return { userId, strategy: 'popular: nothing to go on', movies: popular.map((row) => entry(row, {})), note: `${who} and no movies were named: the most popular movies; name liked movies for a personal answer` };
  }
  const rec = state.ext.get(RECOMMEND_EXTENSION) as RecommendState | undefined;
  if (!rec || rec.kind !== 'ready') throw failedPrecondition(rec?.kind === 'missing' ? rec.message : 'the similarity index is not loaded', 'NO_INDEX');
  const vec = (row: number) => {
    const label = rec.labelOf[row];
    if (label < 0) throw failedPrecondition(`movie ${movies.id[row]} is not in the similarity index of version ${state.version}`, 'NOT_INDEXED');
    return rec.index.getPoint(label);
  };
  const avg = (ms: number[]) => {
    const out = new Array<number>(rec.meta.dims).fill(0);
    for (const m of ms) vec(m).forEach((x, d) => (out[d] += x / ms.length));
    return out;
  };
  // Qdrant's "average vector" strategy: the mean of the liked, pushed away from the mean of the disliked
  const pos = liked.length ? avg(liked) : new Array<number>(rec.meta.dims).fill(0);
  const neg = disliked.length ? avg(disliked) : null;
  const target = neg ? pos.map((x, d) => x + (x - neg[d])) : pos;
  const named = new Set([...liked, ...disliked]);
  const allowed = (label: number) => {
    const row = rec.rowAt[label] ?? -1;
    return row >= 0 && !named.has(row) && passes(row);
  };
  const res = rec.index.searchKnn(target, Math.min(k, rec.meta.count), allowed);
  return {
    userId,
    strategy: 'content: from the movies named',
    movies: res.neighbors.map((label, j) => entry(rec.rowAt[label], { similarity: Math.round((1 - res.distances[j]) * 1e6) / 1e6 })),
    note: `${who}: movies closest to ${liked.length} liked${disliked.length ? ` and away from ${disliked.length} disliked` : ''} (embeddings of the catalog)`,
  };
}

export function ratingsModelInfo(state: CatalogState) {
  const s = ratings(state);
  const m = s.model.meta;
  return {
    users: m.users,
    movies: m.items,
    ratings: m.ratings,
    factors: m.factors,
    members: m.members,
    figuresJson: JSON.stringify(m.figures),
    hyperparametersJson: JSON.stringify(m.options),
  };
}

import { unary } from '../handlers.js';
import { failedPrecondition, notFound } from '../errors.js';
import type { ServiceModule } from '../modules.js';
import type { CatalogState } from '../state.js';
import { intIn } from '../validate.js';
import { actor, director } from './people.js';
import { franchise, moviesByCountry, moviesByLanguage, productionCompany } from './groups.js';
import { movieMessage } from './messages.js';
import { releasesByMonth, releasesByWeekday } from './releases.js';
import { MAX_ID } from './resolve-title.js';
import { titleRuntime, titleScore, titleVotes } from './titles.js';

export function getMovie(state: CatalogState, req: { id?: number }) {
  const id = intIn(req.id ?? 0, 'id', 1, MAX_ID);
  const row = state.movies.rowOf(id);
  if (row < 0) throw notFound(`no movie has id ${id}`, [], 'ID_NOT_FOUND');
  return { movie: movieMessage(state.movies.movie(row)) };
}

export function catalogInfo(state: CatalogState) {
  return {
    version: state.version,
    loadedAt: state.loadedAt.toISOString(),
    movies: state.movies.length,
    moviesWithCredits: state.tables.moviesWithCredits,
    createdAt: state.manifest.createdAt,
  };
}

/** The state, unless the version was built without TMDB input (a platform-only run). */
function withMovies(state: CatalogState): CatalogState {
  if (state.manifest.counts?.tmdb_absent) {
    throw failedPrecondition(
      `catalog version ${state.version} has no TMDB movie catalog: it was built without TMDB input (the movies files go in MARQUEE_DATA_DIR)`,
      'NO_TMDB_CATALOG',
    );
  }
  return state;
}

/** marquee.v1.CatalogService: each RPC is a pure function of (state, request). */
export const catalogModule: ServiceModule = {
  protoFiles: ['marquee/v1/catalog.proto'],
  serviceName: 'marquee.v1.CatalogService',
  implementation: ({ holder }) => {
    const q = <Req, Res>(fn: (state: CatalogState, req: Req) => Res) => unary<Req, Res>((req) => fn(withMovies(holder.get()), req));
    return {
      ReleasesByMonth: q(releasesByMonth),
      ReleasesByWeekday: q(releasesByWeekday),
      TitleScore: q(titleScore),
      TitleVotes: q(titleVotes),
      TitleRuntime: q(titleRuntime),
      Actor: q(actor),
      Director: q(director),
      MoviesByLanguage: q(moviesByLanguage),
      MoviesByCountry: q(moviesByCountry),
      Franchise: q(franchise),
      ProductionCompany: q(productionCompany),
      GetMovie: q(getMovie),
      CatalogInfo: unary((req) => catalogInfo(holder.get())),
    };
  },
};

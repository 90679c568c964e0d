import { notFound } from '../errors.js';
import { normalizeKey } from '../normalize/text.js';
import type { CatalogState } from '../state.js';
import { requireText } from '../validate.js';

const NAME_HELP = 'a person\'s name as credited, e.g. "Tom Hanks"';

export function actor(state: CatalogState, req: { name?: string }) {
  const name = requireText(req.name, 'name', NAME_HELP);
  const { tables } = state;
  const s = tables.actors.get(normalizeKey(name));
  if (!s) {
    throw notFound(
      `no actor named ${JSON.stringify(name)} in the ${tables.moviesWithCredits} movies with credits`,
      tables.actorSuggester.suggest(name),
      'ACTOR_NOT_FOUND',
    );
  }
  return {
    name: s.name,
    filmCount: s.films,
    totalReturn: s.totalReturn,
    averageReturn: s.films > 0 ? s.totalReturn / s.films : 0,
    filmsWithKnownReturn: s.withKnownReturn,
    directedFilmsExcluded: s.directedExcluded,
    catalogMoviesWithCredits: tables.moviesWithCredits,
  };
}

export function director(state: CatalogState, req: { name?: string }) {
  const name = requireText(req.name, 'name', NAME_HELP);
  const { tables, movies } = state;
  const s = tables.directors.get(normalizeKey(name));
  if (!s) {
    throw notFound(
      `no director named ${JSON.stringify(name)} in the ${tables.moviesWithCredits} movies with credits`,
      tables.directorSuggester.suggest(name),
      'DIRECTOR_NOT_FOUND',
    );
  }
  return {
    name: s.name,
    filmCount: s.films.length,
    totalReturn: s.totalReturn,
    films: Array.from(s.films, (row) => ({
      id: movies.id[row],
      title: movies.title(row),
      releaseDate: movies.releaseDate(row),
      returnRatio: movies.returnRatio[row],
      budget: movies.budget[row],
      revenue: movies.revenue[row],
    })),
    catalogMoviesWithCredits: tables.moviesWithCredits,
  };
}

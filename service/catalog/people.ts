import { notFound } from '../errors.js';
import type { CatalogState } from '../state.js';
import { requireText } from '../validate.js';
import { actorOf, directorOf } from './people-table.js';

const NAME_HELP = 'a person\'s name as credited, e.g. "Tom Hanks"';

export function actor(state: CatalogState, req: { name?: string }) {
  const name = requireText(req.name, 'name', NAME_HELP);
  const { tables } = state;
  const t = tables.people;
  const p = actorOf(t, name);
  if (p < 0) {
    throw notFound(
      `no actor named ${JSON.stringify(name)} in the ${tables.moviesWithCredits} movies with credits${tables.actorSuggester.pendingNote}`,
      tables.actorSuggester.suggest(name),
      'ACTOR_NOT_FOUND',
    );
  }
  const films = t.actorFilms[p];
  return {
    name: t.actorName(p),
    filmCount: films,
    totalReturn: t.actorReturn[p],
    averageReturn: films > 0 ? t.actorReturn[p] / films : 0,
    filmsWithKnownReturn: t.actorKnownReturn[p],
    directedFilmsExcluded: t.actorDirectedExcluded[p],
    catalogMoviesWithCredits: tables.moviesWithCredits,
  };
}

export function director(state: CatalogState, req: { name?: string }) {
  const name = requireText(req.name, 'name', NAME_HELP);
  const { tables, movies } = state;
  const t = tables.people;
  const p = directorOf(t, name);
  if (p < 0) {
    throw notFound(
      `no director named ${JSON.stringify(name)} in the ${tables.moviesWithCredits} movies with credits${tables.directorSuggester.pendingNote}`,
      tables.directorSuggester.suggest(name),
      'DIRECTOR_NOT_FOUND',
    );
  }
  const films = t.directedRows(p);
  return {
    name: t.directorName(p),
    filmCount: films.length,
    totalReturn: t.directorReturn(p),
    films: Array.from(films, (row) => ({
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

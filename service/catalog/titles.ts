import type { CatalogState } from '../state.js';
import { resolveTitle, type TitleRef } from './resolve-title.js';

/** Below this many votes an average says little: TitleVotes withholds it. */
export const MIN_VOTES_FOR_AVERAGE = 2000;

export function titleScore(state: CatalogState, req: TitleRef) {
  const m = resolveTitle(state, req);
  return { id: m.id, title: m.title, releaseYear: m.releaseYear, popularity: m.popularity };
}

export function titleVotes(state: CatalogState, req: TitleRef) {
  const m = resolveTitle(state, req);
  const withheld = m.voteCount < MIN_VOTES_FOR_AVERAGE;
  return {
    id: m.id,
    title: m.title,
    releaseYear: m.releaseYear,
    voteCount: m.voteCount,
    voteAverage: withheld ? 0 : m.voteAverage,
    averageWithheld: withheld,
    minVotes: MIN_VOTES_FOR_AVERAGE,
    note: withheld
      ? `vote average withheld: ${m.voteCount} votes is under the ${MIN_VOTES_FOR_AVERAGE} needed for a meaningful average`
      : '',
  };
}

export function titleRuntime(state: CatalogState, req: TitleRef) {
  const m = resolveTitle(state, req);
  const known = m.runtime !== null && m.runtime !== undefined;
  return { id: m.id, title: m.title, runtimeMinutes: known ? m.runtime : 0, releaseYear: m.releaseYear, runtimeKnown: known };
}

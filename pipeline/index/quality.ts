// Offline quality figures for "similar movies", judged against facts the embedders never see
// (the collection) or see only as one input among many (genres).
import type { Movie } from '../types.js';

export interface QualityFigures {
  /** movies whose collection has at least one other member in the catalog */
  collectionQueries: number;
  /** share of those whose top-k holds at least one collection mate */
  collectionHitRate: number;
  /** movies with at least one genre */
  genreQueries: number;
  /** mean share of the top-k that shares at least one genre with the query movie */
  genreShareAtK: number;
  /** mean Jaccard similarity of genre sets, query vs each of its top-k */
  genreJaccardAtK: number;
}

/**
 * `neighbours(i)` gives the catalog indexes of movie i's top-k (never i itself).
 */
export function qualityFigures(movies: Movie[], neighbours: (i: number) => number[]): QualityFigures {
  const byCollection = new Map<number, number>();
  for (const m of movies) if (m.collection) byCollection.set(m.collection.id, (byCollection.get(m.collection.id) ?? 0) + 1);
  let cq = 0;
  let chits = 0;
  let gq = 0;
  let gshare = 0;
  let gjac = 0;
  movies.forEach((m, i) => {
    const nb = neighbours(i);
    if (m.collection && (byCollection.get(m.collection.id) ?? 0) > 1) {
      cq++;
      if (nb.some((j) => movies[j].collection?.id === m.collection!.id)) chits++;
    }
    if (m.genres.length > 0 && nb.length > 0) {
      gq++;
      const g = new Set(m.genres);
      let share = 0;
      let jac = 0;
      for (const j of nb) {
        const h = movies[j].genres;
        const inter = h.filter((x) => g.has(x)).length;
        if (inter > 0) share++;
        const union = new Set([...g, ...h]).size;
        jac += union > 0 ? inter / union : 0;
      }
      gshare += share / nb.length;
      gjac += jac / nb.length;
    }
  });
  return {
    collectionQueries: cq,
    collectionHitRate: cq ? chits / cq : 0,
    genreQueries: gq,
    genreShareAtK: gq ? gshare / gq : 0,
    genreJaccardAtK: gq ? gjac / gq : 0,
  };
}

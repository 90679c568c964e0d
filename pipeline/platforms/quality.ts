// Offline quality of "similar titles" on the platform catalog, judged with no labels it does not
// have: do the top-k share a category with the title, and for a title that is on two platforms
// (same normalized title, year and type), is the other platform's copy its first neighbour?
import { normalizeKey } from '../normalize.js';
import { categoryWords } from './categories.js';
import type { PlatformTitle } from './types.js';

export interface TitleQuality {
  /** titles with at least one category word */
  categoryQueries: number;
  /** mean share of the top-k sharing a category word with the title */
  categoryShareAtK: number;
  /** titles that have a copy on another platform */
  copyQueries: number;
  /** share of those whose first neighbour is such a copy */
  copyTop1: number;
  /** share of those with such a copy anywhere in the top-k */
  copyTopK: number;
}

/** `neighbours(i)`: the indexes of title i's top-k (never i itself). */
export function titleQuality(titles: readonly PlatformTitle[], neighbours: (i: number) => number[]): TitleQuality {
  const words = titles.map((t) => categoryWords(t.listedIn));
  const groups = new Map<string, number[]>();
  titles.forEach((t, i) => {
    const k = `${normalizeKey(t.title)}|${t.releaseYear}|${t.type}`;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  let cq = 0;
  let share = 0;
  let dq = 0;
  let top1 = 0;
  let topk = 0;
  titles.forEach((t, i) => {
    const nb = neighbours(i);
    if (words[i].size > 0 && nb.length > 0) {
      cq++;
      share += nb.filter((j) => [...words[j]].some((w) => words[i].has(w))).length / nb.length;
    }
    const copies = (groups.get(`${normalizeKey(t.title)}|${t.releaseYear}|${t.type}`) ?? []).filter((j) => titles[j].platform !== t.platform);
    if (copies.length > 0) {
      dq++;
      if (nb.length && copies.includes(nb[0])) top1++;
      if (nb.some((j) => copies.includes(j))) topk++;
    }
  });
  return { categoryQueries: cq, categoryShareAtK: cq ? share / cq : 0, copyQueries: dq, copyTop1: dq ? top1 / dq : 0, copyTopK: dq ? topk / dq : 0 };
}

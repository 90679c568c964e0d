// The platform catalog of one version, with the lookups its RPCs need, built once at load.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedVersion } from '../../pipeline/artifacts/reader.js';
import { readJsonl } from '../../pipeline/artifacts/files.js';
import { versionFile } from '../../pipeline/artifacts/store.js';
import { readEmbeddingsMeta, EMBEDDING_FILES } from '../../pipeline/embed/matrix.js';
import type { EmbedderSpec } from '../../pipeline/embedders/types.js';
import { INDEX_FILES, loadIndex, type KnnIndex, type IndexMeta } from '../../pipeline/index/hnsw.js';
import { readSimilarLists, SIMILAR_FILES, type SimilarLists } from '../../pipeline/index/similar-lists.js';
import { normalizeKey } from '../../pipeline/normalize.js';
import { PLATFORM_FILES, PLATFORMS, type Platform, type PlatformTitle, type TitleScore, type WatchLink } from '../../pipeline/platforms/types.js';
import { Suggester } from '../normalize/fuzzy.js';

export interface Person {
  name: string;
  cast: PlatformTitle[];
  directed: PlatformTitle[];
}

export interface SimilarIndex {
  index: KnnIndex;
  meta: IndexMeta;
  embedder: EmbedderSpec;
  /** each title's precomputed similar list (null for versions built before they existed) */
  lists: SimilarLists | null;
}

export interface PlatformTables {
  /** false: the version was built without platform input */
  present: boolean;
  /** in titles.jsonl order (= rows of the similarity index) */
  titles: PlatformTitle[];
  /** lower-cased id -> title */
  byId: Map<string, PlatformTitle>;
  rowOf: Map<PlatformTitle, number>;
  scoreOf: Map<string, TitleScore>;
  /** where the scores came from (the scores stage's info.source) */
  scoreSource: string;
  byPlatform: Record<Platform, PlatformTitle[]>;
  /** normalized title -> titles */
  byTitle: Map<string, PlatformTitle[]>;
  titleSuggester: Suggester;
  /** normalized name -> the person's titles */
  people: Map<string, Person>;
  peopleSuggester: Suggester;
  /** TMDB movie id -> its links */
  watch: Map<number, WatchLink[]>;
  /** platform title id -> TMDB movie id */
  tmdbOf: Map<string, number>;
  similar: SimilarIndex | null;
  /** why `similar` is null */
  similarMissing: string;
  /** per platform: titles, movies, shows */
  sizes: Record<Platform, { total: number; movies: number; shows: number }>;
  /** `${platform or *}|${year}|${r (release) or a (added)}` -> titles, built once at load */
  byYear: Map<string, PlatformTitle[]>;
  /** the normalized cast names of each title (each name once) */
  castKeys: Map<PlatformTitle, string[]>;
  /** answers computed once per (platform, year, basis) and kept: TopActor */
  memo: Map<string, unknown>;
}

export function yearKey(platform: Platform | null, year: number, byAdded: boolean): string {
  return `${platform ?? '*'}|${year}|${byAdded ? 'a' : 'r'}`;
}

async function all<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  if (!existsSync(file)) return out;
  for await (const x of readJsonl<T>(file)) out.push(x);
  return out;
}

export async function loadPlatformTables(loaded: LoadedVersion): Promise<PlatformTables> {
  const { dir, manifest } = loaded;
  const file = (role: string, fallback: string) => versionFile(dir, manifest.files?.[role] ?? fallback, role);
  const titlesFile = file('platformTitles', PLATFORM_FILES.titles);
  const titles = await all<PlatformTitle>(titlesFile);
  const scores = await all<TitleScore>(file('platformScores', PLATFORM_FILES.scores));
  const links = await all<WatchLink>(file('platformLinks', PLATFORM_FILES.links));
  const byId = new Map<string, PlatformTitle>();
  const rowOf = new Map<PlatformTitle, number>();
  const byPlatform = Object.fromEntries(PLATFORMS.map((p) => [p, [] as PlatformTitle[]])) as Record<Platform, PlatformTitle[]>;
  const byTitle = new Map<string, PlatformTitle[]>();
  const people = new Map<string, Person>();
  const person = (name: string) => {
    const key = normalizeKey(name);
    let p = people.get(key);
    if (!p) people.set(key, (p = { name, cast: [], directed: [] }));
    return p;
  };
  titles.forEach((t, row) => {
    byId.set(t.id.toLowerCase(), t);
    rowOf.set(t, row);
    byPlatform[t.platform].push(t);
    const key = normalizeKey(t.title);
    const list = byTitle.get(key);
    if (list) list.push(t);
    else byTitle.set(key, [t]);
    for (const c of new Set(t.cast)) person(c).cast.push(t);
    for (const d of new Set(t.directors)) person(d).directed.push(t);
  });
  const byYear = new Map<string, PlatformTitle[]>();
  const castKeys = new Map<PlatformTitle, string[]>();
  const sizes = Object.fromEntries(PLATFORMS.map((p) => [p, { total: 0, movies: 0, shows: 0 }])) as PlatformTables['sizes'];
  const addYear = (k: string, t: PlatformTitle) => {
    const list = byYear.get(k);
    if (list) list.push(t);
    else byYear.set(k, [t]);
  };
  for (const t of titles) {
    const size = sizes[t.platform];
    size.total++;
    if (t.type === 'movie') size.movies++;
    else size.shows++;
    for (const p of [t.platform, null]) {
      addYear(yearKey(p, t.releaseYear, false), t);
      if (t.dateAdded) addYear(yearKey(p, Number(t.dateAdded.slice(0, 4)), true), t);
    }
    castKeys.set(t, [...new Set(t.cast.map((c) => normalizeKey(c)))]);
  }
  const watch = new Map<number, WatchLink[]>();
  const tmdbOf = new Map<string, number>();
  for (const l of links) {
    const list = watch.get(l.movieId);
    if (list) list.push(l);
    else watch.set(l.movieId, [l]);
    tmdbOf.set(l.titleId, l.movieId);
  }
  let similar: SimilarIndex | null = null;
  let similarMissing = '';
  const sdir = path.join(dir, PLATFORM_FILES.dir);
  if (titles.length === 0) similarMissing = 'the version has no platform titles';
  else if (![EMBEDDING_FILES.meta, INDEX_FILES.index, INDEX_FILES.meta].every((f) => existsSync(path.join(sdir, f)))) {
    similarMissing = `catalog version ${loaded.version} has no similarity index of the platform titles; rebuild it with the current pipeline`;
  } else {
    const emb = await readEmbeddingsMeta(sdir);
    const { index, meta } = await loadIndex(sdir);
    if (meta.count !== titles.length || emb.count !== titles.length) similarMissing = `the platform title index of version ${loaded.version} does not match its titles; rebuild it`;
    else similar = { index, meta, embedder: emb.embedder, lists: existsSync(path.join(sdir, SIMILAR_FILES.bin)) ? await readSimilarLists(sdir) : null };
  }
  return {
    present: titles.length > 0,
    titles,
    byId,
    rowOf,
    scoreOf: new Map(scores.map((s) => [s.id, s])),
    scoreSource: String((manifest.info?.scores as { source?: string } | undefined)?.source ?? 'none'),
    byPlatform,
    byTitle,
    titleSuggester: await Suggester.build([...new Set(titles.map((t) => t.title))]),
    people,
    peopleSuggester: await Suggester.build(
      [...people.values()].map((p) => p.name),
      (n) => {
        const p = people.get(normalizeKey(n));
        return p ? p.cast.length + p.directed.length : 0;
      },
    ),
    watch,
    tmdbOf,
    similar,
    similarMissing,
    sizes,
    byYear,
    castKeys,
    memo: new Map(),
  };
}

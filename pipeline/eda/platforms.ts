// The platform section of the EDA report: titles per platform and type, release years, durations
// by type, top categories and countries, the score distribution (and how narrow it is), and the
// platform data's quality (repairs, refused rows, links to TMDB).
import type { TopLevelSpec } from 'vega-lite';
import type { PlatformTitle, TitleScore } from '../platforms/types.js';
import { PLATFORMS } from '../platforms/types.js';
import { PLATFORM_DISPLAY } from '../platforms/rules.js';
import { ACCENT, BAR, CONFIG, COUNT_FORMAT, count, nf, rankedBars, type ChartDef } from './charts.js';

export interface PlatformSummary {
  titles: number;
  perPlatform: { platform: string; name: string; movies: number; shows: number }[];
  /** titles per release year, first to last, zeros included */
  releaseYears: { year: number; titles: number }[];
  /** movie runtimes in 15-minute bins (the last open); shows by number of seasons (the last open) */
  movieMinutes: { from: number; to: number | null; titles: number }[];
  showSeasons: { seasons: string; titles: number }[];
  durationUnknown: number;
  categories: { top: { name: string; titles: number }[]; distinct: number };
  countries: { top: { name: string; titles: number }[]; distinct: number; titlesWithout: number };
  scores: {
    source: string;
    scored: number;
    min: number | null;
    max: number | null;
    mean: number | null;
    /** titles per 0.02-star bin over [min, max] */
    bins: { from: number; titles: number }[];
  };
  quality: {
    repairs: { name: string; count: number }[];
    quarantined: { reason: string; rows: number }[];
    links: { linked: number; nearYear: number; ambiguous: number; unlinked: number; moviesWithPlatforms: number };
  };
}

const MOVIE_BIN = 15;
const MOVIE_OVERFLOW = 180;
const SEASON_OVERFLOW = 10;
const SCORE_BIN = 0.02;

function top(counts: Map<string, number>, n: number) {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([name, titles]) => ({ name, titles }));
}

export function summarizePlatforms(
  titles: readonly PlatformTitle[],
  scores: readonly TitleScore[],
  counts: Record<string, number>,
  quarantine: Record<string, number>,
  scoreSource: string,
): PlatformSummary {
  const per = new Map(PLATFORMS.map((p) => [p, { movies: 0, shows: 0 }]));
  const years = new Map<number, number>();
  const minutes = new Map<number, number>();
  const seasons = new Map<number, number>();
  const categories = new Map<string, number>();
  const countries = new Map<string, number>();
  let unknown = 0;
  let noCountry = 0;
  for (const t of titles) {
    const p = per.get(t.platform)!;
    if (t.type === 'movie') p.movies++;
    else p.shows++;
    years.set(t.releaseYear, (years.get(t.releaseYear) ?? 0) + 1);
    if (t.durationInt === null) unknown++;
    else if (t.durationType === 'min') {
      const b = Math.min(MOVIE_OVERFLOW, Math.floor(t.durationInt / MOVIE_BIN) * MOVIE_BIN);
      minutes.set(b, (minutes.get(b) ?? 0) + 1);
    } else {
      const b = Math.min(SEASON_OVERFLOW, t.durationInt);
      seasons.set(b, (seasons.get(b) ?? 0) + 1);
    }
    for (const c of new Set(t.listedIn)) categories.set(c, (categories.get(c) ?? 0) + 1);
    if (t.countries.length === 0) noCountry++;
    for (const c of new Set(t.countries)) countries.set(c, (countries.get(c) ?? 0) + 1);
  }
  const ys = [...years.keys()];
  const releaseYears: PlatformSummary['releaseYears'] = [];
  if (ys.length) {
    let first = ys[0];
    let last = ys[0];
    for (const y of ys) {
      if (y < first) first = y;
      if (y > last) last = y;
    }
    for (let y = first; y <= last; y++) releaseYears.push({ year: y, titles: years.get(y) ?? 0 });
  }
  const movieMinutes: PlatformSummary['movieMinutes'] = [];
  for (let b = 0; b <= MOVIE_OVERFLOW; b += MOVIE_BIN) movieMinutes.push({ from: b, to: b === MOVIE_OVERFLOW ? null : b + MOVIE_BIN, titles: minutes.get(b) ?? 0 });
  const showSeasons = Array.from({ length: SEASON_OVERFLOW }, (_, i) => ({ seasons: i + 1 === SEASON_OVERFLOW ? `${SEASON_OVERFLOW}+` : String(i + 1), titles: seasons.get(i + 1) ?? 0 }));

  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (const s of scores) {
    lo = Math.min(lo, s.mean);
    hi = Math.max(hi, s.mean);
    sum += s.mean;
  }
  const bins: PlatformSummary['scores']['bins'] = [];
  if (scores.length) {
    const start = Math.floor(lo / SCORE_BIN) * SCORE_BIN;
    const n = Math.floor((hi - start) / SCORE_BIN) + 1;
    const hist = new Array<number>(n).fill(0);
    for (const s of scores) hist[Math.min(n - 1, Math.floor((s.mean - start) / SCORE_BIN + 1e-9))]++;
    hist.forEach((titles, i) => bins.push({ from: Math.round((start + i * SCORE_BIN) * 100) / 100, titles }));
  }
  const repairNames: [string, string][] = [
    ['platform_duration_moved', 'duration moved back from the rating column'],
    ['platform_rating_defaulted', 'empty maturity rating set to G'],
    ['platform_duration_unknown', 'duration unknown (missing or unreadable)'],
    ['platform_date_added_unknown', 'date added unknown'],
    ['platform_cast_placeholders_dropped', 'digit-only cast placeholders dropped'],
  ];
  return {
    titles: titles.length,
    perPlatform: PLATFORMS.map((p) => ({ platform: p, name: PLATFORM_DISPLAY[p], ...per.get(p)! })),
    releaseYears,
    movieMinutes,
    showSeasons,
    durationUnknown: unknown,
    categories: { top: top(categories, 20), distinct: categories.size },
    countries: { top: top(countries, 20), distinct: countries.size, titlesWithout: noCountry },
    scores: { source: scoreSource, scored: scores.length, min: scores.length ? lo : null, max: scores.length ? hi : null, mean: scores.length ? sum / scores.length : null, bins },
    quality: {
      repairs: repairNames.map(([k, name]) => ({ name, count: counts[k] ?? 0 })),
      quarantined: Object.entries(quarantine)
        .filter(([, n]) => n > 0)
        .map(([reason, rows]) => ({ reason, rows }))
        .sort((a, b) => b.rows - a.rows || a.reason.localeCompare(b.reason)),
      links: {
        linked: counts.link_titles_linked ?? 0,
        nearYear: counts.link_titles_linked_near_year ?? 0,
        ambiguous: counts.link_titles_ambiguous ?? 0,
        unlinked: counts.link_titles_unlinked ?? 0,
        moviesWithPlatforms: counts.link_movies_with_platforms ?? 0,
      },
    },
  };
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const TYPE_COLORS = { domain: ['movies', 'shows'], range: [BAR, '#f58518'] };

export function platformCharts(p: PlatformSummary): ChartDef[] {
  const perRows = p.perPlatform.flatMap((r) => [
    { platform: r.name, kind: 'movies', titles: r.movies },
    { platform: r.name, kind: 'shows', titles: r.shows },
  ]);
  const every = p.releaseYears.length <= 40 ? 5 : p.releaseYears.length <= 90 ? 10 : 20;
  const s = p.scores;
  const spread = s.min !== null && s.max !== null ? s.max - s.min : null;
  const charts: ChartDef[] = [
    {
      id: 'platform-titles',
      title: 'Streaming platforms: titles per platform',
      description: `${nf.format(p.titles)} titles on four platforms, movies and TV shows apart.`,
      spec: {
        $schema: SCHEMA,
        config: CONFIG,
        width: 640,
        height: { step: 34 },
        data: { values: perRows },
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          y: { field: 'platform', type: 'nominal', title: null, sort: p.perPlatform.map((r) => r.name), axis: { labelLimit: 200, ticks: false, domain: false } },
          x: { field: 'titles', type: 'quantitative', title: 'Titles', stack: 'zero', axis: { format: COUNT_FORMAT, grid: true } },
          color: { field: 'kind', type: 'nominal', title: null, scale: TYPE_COLORS, legend: { orient: 'bottom', direction: 'horizontal' } },
          order: { field: 'kind', sort: 'ascending' },
        },
      } as TopLevelSpec,
    },
    {
      id: 'platform-years',
      title: 'Streaming platforms: titles per release year',
      description: p.releaseYears.length
        ? `All four platforms, ${p.releaseYears[0].year}–${p.releaseYears[p.releaseYears.length - 1].year}; the catalogs lean heavily on recent years.`
        : 'No title has a release year.',
      spec: p.releaseYears.length
        ? ({
            $schema: SCHEMA,
            config: CONFIG,
            width: 1000,
            height: 260,
            data: { values: p.releaseYears },
            mark: { type: 'bar', color: BAR },
            encoding: {
              x: { field: 'year', type: 'ordinal', title: 'Release year', axis: { values: p.releaseYears.map((r) => r.year).filter((y) => y % every === 0), labelAngle: 0 } },
              y: { field: 'titles', type: 'quantitative', title: 'Titles', axis: { format: COUNT_FORMAT, tickMinStep: 1 } },
            },
          } as TopLevelSpec)
        : null,
      empty: 'No title has a release year.',
    },
    {
      id: 'platform-durations',
      title: 'Streaming platforms: durations by type',
      description:
        `Movies by runtime (15-minute bins, the last ${MOVIE_OVERFLOW}+) and TV shows by number of seasons (the last ${SEASON_OVERFLOW}+). ` +
        `${count(p.durationUnknown, 'title has', 'titles have')} no known duration and ${p.durationUnknown === 1 ? 'is' : 'are'} left out.`,
      spec: {
        $schema: SCHEMA,
        config: CONFIG,
        hconcat: [
          {
            width: 520,
            height: 240,
            title: 'Movies (minutes)',
            data: { values: p.movieMinutes.map((b) => ({ ...b, label: b.to === null ? `${b.from}+` : `${b.from}–${b.to - 1}` })) },
            mark: { type: 'bar', color: BAR },
            encoding: {
              x: { field: 'label', type: 'ordinal', sort: null, title: 'Runtime (minutes)', axis: { labelAngle: -40 } },
              y: { field: 'titles', type: 'quantitative', title: 'Movies', axis: { format: COUNT_FORMAT } },
            },
          },
          {
            width: 380,
            height: 240,
            title: 'TV shows (seasons)',
            data: { values: p.showSeasons },
            mark: { type: 'bar', color: '#f58518' },
            encoding: {
              x: { field: 'seasons', type: 'ordinal', sort: null, title: 'Seasons', axis: { labelAngle: 0 } },
              y: { field: 'titles', type: 'quantitative', title: 'Shows', axis: { format: COUNT_FORMAT } },
            },
          },
        ],
      } as TopLevelSpec,
    },
    {
      id: 'platform-categories',
      title: 'Streaming platforms: top categories',
      description: `The 20 most common of ${nf.format(p.categories.distinct)} categories (listed_in); each platform names its own, so "Dramas" and "Drama" are apart.`,
      spec: p.categories.top.length ? rankedBars(p.categories.top.map((c) => ({ label: c.name, value: c.titles })), { xTitle: 'Titles', description: 'categories', labelLimit: 280, color: '#54a24b' }) : null,
      empty: 'No title lists a category.',
    },
    {
      id: 'platform-countries',
      title: 'Streaming platforms: top countries',
      description: `The 20 most common of ${nf.format(p.countries.distinct)} countries; ${count(p.countries.titlesWithout, 'title lists', 'titles list')} none.`,
      spec: p.countries.top.length ? rankedBars(p.countries.top.map((c) => ({ label: c.name, value: c.titles })), { xTitle: 'Titles', description: 'countries', labelLimit: 280, color: '#eeca3b' }) : null,
      empty: 'No title lists a country.',
    },
    {
      id: 'platform-scores',
      title: 'Streaming platforms: score distribution',
      description:
        s.scored && spread !== null
          ? `Mean user rating of ${nf.format(s.scored)} titles (source: ${s.source}), in ${SCORE_BIN}-star bins. Note how narrow it is: every mean lies between ${s.min!.toFixed(3)} and ${s.max!.toFixed(3)} stars (a spread of ${spread.toFixed(3)}), because the publisher assigned the ratings to titles at random; a score says almost nothing about a title, and threshold counts mostly say where the threshold falls in this band.`
          : `No title has a score (source: ${s.source}).`,
      spec: s.bins.length
        ? ({
            $schema: SCHEMA,
            config: CONFIG,
            width: 800,
            height: 240,
            data: { values: s.bins },
            mark: { type: 'bar', color: '#b279a2' },
            encoding: {
              x: { field: 'from', type: 'ordinal', title: 'Mean rating (stars)', axis: { labelAngle: -40, format: '.2f' } },
              y: { field: 'titles', type: 'quantitative', title: 'Titles', axis: { format: COUNT_FORMAT } },
            },
          } as TopLevelSpec)
        : null,
      empty: 'No title has a score.',
    },
    {
      id: 'platform-quality',
      title: 'Streaming platforms: repairs and refused rows',
      description:
        `What the cleaning rules repaired or found unknown (counted, the rows kept), and every row refused with its reason` +
        `${p.quality.quarantined.length ? '' : ' (none was)'}. Links to TMDB: ${nf.format(p.quality.links.linked)} platform movies linked ` +
        `(${nf.format(p.quality.links.nearYear)} one year apart with a director in common), ${nf.format(p.quality.links.ambiguous)} ambiguous and left unlinked, ` +
        `${nf.format(p.quality.links.unlinked)} without a TMDB movie; ${nf.format(p.quality.links.moviesWithPlatforms)} TMDB movies can be watched on some platform.`,
      spec: rankedBars(
        [
          ...p.quality.repairs.map((r) => ({ label: r.name, value: r.count })),
          ...p.quality.quarantined.map((q) => ({ label: `refused: ${q.reason}`, value: q.rows })),
        ],
        { xTitle: 'Rows', description: 'platform data quality', labelLimit: 420, color: ACCENT },
      ),
    },
  ];
  return charts;
}

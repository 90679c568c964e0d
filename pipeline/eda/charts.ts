import type { TopLevelSpec } from 'vega-lite';
import type { CorrelationColumn, EdaSummary } from './summary-types.js';
import { platformCharts } from './platforms.js';

// Vega-Lite specs for the report's charts, built from the summary alone (so the report can be
// re-rendered from summary.json). Labels get explicit limits and angles: in Node without canvas,
// vega estimates text widths, so it cannot be trusted to avoid overlaps by itself.

export interface ChartDef {
  /** HTML anchor, also the prefix of the SVG's internal ids */
  id: string;
  title: string;
  /** one or two sentences for a reader: what the chart shows and how it was computed */
  description: string;
  /** null when there is nothing to plot; `empty` says why */
  spec: TopLevelSpec | null;
  empty?: string;
}

const FONT = 'Liberation Sans, Helvetica, Arial, sans-serif';
export const BAR = '#4c78a8';
export const ACCENT = '#e45756';

export const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: null },
  axis: {
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: 'bold' as const,
    titlePadding: 10,
    labelColor: '#333',
    titleColor: '#333',
    gridColor: '#e8e8e8',
    domainColor: '#888',
    tickColor: '#888',
  },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  text: { fontSize: 11, font: FONT },
};

export const nf = new Intl.NumberFormat('en-US');
const plural = new Intl.PluralRules('en-US');
/** "1 movie", "3 movies" */
export function count(n: number, one: string, many: string): string {
  return `${nf.format(n)} ${plural.select(n) === 'one' ? one : many}`;
}

const COLUMN_LABELS: Record<CorrelationColumn, string> = {
  budget: 'Budget',
  revenue: 'Revenue',
  return: 'Return',
  popularity: 'Popularity',
  voteAverage: 'Vote average',
  voteCount: 'Vote count',
  runtime: 'Runtime',
};

/** Counts print in full with thousands separators ('12,000'): an SI format shows 0 as '0k'. */
export const COUNT_FORMAT = ',d';

/** A vega expression that prints dollars as $1.5K / $20M / $1.2B. */
const MONEY_LABEL =
  "datum.value >= 1e9 ? '$' + format(datum.value / 1e9, '~g') + 'B' : " +
  "datum.value >= 1e6 ? '$' + format(datum.value / 1e6, '~g') + 'M' : " +
  "datum.value >= 1e3 ? '$' + format(datum.value / 1e3, '~g') + 'K' : '$' + format(datum.value, '~g')";

/** Horizontal ranked bars with the count printed at the end of each bar. */
export function rankedBars(
  rows: { label: string; value: number }[],
  opts: { xTitle: string; labelLimit?: number; width?: number; color?: string; description: string },
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: opts.description,
    config: CONFIG,
    width: opts.width ?? 640,
    height: { step: 22 },
    data: { values: rows },
    encoding: {
      y: {
        field: 'label',
        type: 'nominal',
        // explicit order: the rows arrive ranked, ties already broken by name
        sort: rows.map((r) => r.label),
        title: null,
        axis: { labelLimit: opts.labelLimit ?? 260, labelPadding: 6, ticks: false, domain: false },
      },
      x: {
        field: 'value',
        type: 'quantitative',
        title: opts.xTitle,
        axis: { format: COUNT_FORMAT, tickCount: 6, tickMinStep: 1, grid: true },
        scale: { nice: true },
      },
    },
    layer: [
      { mark: { type: 'bar', color: opts.color ?? BAR, height: { band: 0.75 } } },
      {
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, color: '#333' },
        encoding: { text: { field: 'value', type: 'quantitative', format: ',' } },
      },
    ],
  };
}

function genresChart(s: EdaSummary): ChartDef {
  const rows = s.genres.top.map((g) => ({ label: g.name, value: g.movies }));
  return {
    id: 'genres',
    title: 'Movies per genre',
    description:
      `How many movies carry each genre (a movie with several genres counts once in each). ` +
      `${count(s.genres.moviesWithout, 'movie has', 'movies have')} no genre.`,
    spec: rows.length
      ? rankedBars(rows, { xTitle: 'Movies', description: 'Movies per genre', labelLimit: 200 })
      : null,
    empty: 'No movie has a genre.',
  };
}

function yearsChart(s: EdaSummary): ChartDef {
  const rows = s.releasesPerYear;
  const first = s.catalog.firstYear ?? 0;
  const last = s.catalog.lastYear ?? 0;
  const span = last - first + 1;
  // a label every 5, 10 or 20 years, depending on the span, so labels never touch
  const every = span <= 30 ? 5 : span <= 80 ? 10 : 20;
  const labelYears = rows.map((r) => r.year).filter((y) => y % every === 0);
  return {
    id: 'years',
    title: 'Releases per year',
    description: `Movies by release year, ${first}–${last} (years without releases show as gaps).`,
    spec: rows.length
      ? {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          description: 'Releases per year',
          config: CONFIG,
          width: 1000,
          height: 280,
          data: { values: rows },
          mark: { type: 'bar', color: BAR },
          encoding: {
            x: {
              field: 'year',
              type: 'ordinal',
              title: 'Release year',
              scale: { paddingInner: 0.15 },
              axis: { values: labelYears, labelAngle: 0, labelFlush: false },
            },
            y: {
              field: 'movies',
              type: 'quantitative',
              title: 'Movies',
              axis: { format: COUNT_FORMAT, tickCount: 6, tickMinStep: 1 },
            },
          },
        }
      : null,
    empty: 'No movie has a release year.',
  };
}

function runtimeChart(s: EdaSummary): ChartDef {
  const r = s.runtime;
  const rows = r.bins.map((b) => ({
    from: b.from,
    to: b.to ?? b.from + r.binMinutes,
    movies: b.movies,
    label: b.to === null ? `${b.from}+ min` : `${b.from}–${b.to - 1} min`,
  }));
  const ticks: number[] = [];
  for (let t = 0; t <= r.overflowFrom; t += 30) ticks.push(t);
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      mark: { type: 'bar', color: BAR, binSpacing: 1 },
      encoding: {
        x: {
          field: 'from',
          type: 'quantitative',
          bin: { binned: true, step: r.binMinutes },
          title: `Runtime (minutes, ${r.binMinutes}-minute bins; the last bin is ${r.overflowFrom}+)`,
          axis: {
            values: ticks,
            labelExpr: `datum.value >= ${r.overflowFrom} ? '${r.overflowFrom}+' : datum.value`,
          },
          scale: { domain: [0, r.overflowFrom + r.binMinutes] },
        },
        x2: { field: 'to' },
        y: {
          field: 'movies',
          type: 'quantitative',
          title: 'Movies',
          axis: { format: COUNT_FORMAT, tickCount: 6, tickMinStep: 1 },
        },
      },
    },
  ];
  if (r.median !== null) {
    const m = Math.min(r.median, r.overflowFrom);
    layers.push(
      {
        data: { values: [{ m }] },
        mark: { type: 'rule', color: ACCENT, strokeWidth: 2, strokeDash: [5, 3] },
        encoding: { x: { field: 'm', type: 'quantitative' } },
      },
      {
        data: { values: [{ m, label: `median ${r.median} min` }] },
        mark: { type: 'text', color: ACCENT, align: 'left', dx: 5, baseline: 'top', y: 4, fontWeight: 'bold' },
        encoding: { x: { field: 'm', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  return {
    id: 'runtime',
    title: 'Runtime distribution',
    description:
      `Movies by runtime, over the ${nf.format(r.known)} movies with a known runtime ` +
      `(${nf.format(r.unknown)} with a runtime of 0 or none are left out). ` +
      (r.median !== null ? `Median ${r.median} min, mean ${r.mean?.toFixed(1)} min, longest ${r.max} min.` : ''),
    spec: r.known
      ? {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          description: 'Runtime histogram',
          config: CONFIG,
          width: 1000,
          height: 280,
          data: { values: rows },
          layer: layers,
        }
      : null,
    empty: 'No movie has a known runtime.',
  };
}

function powersOfTen(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function budgetRevenueChart(s: EdaSummary): ChartDef {
  const b = s.budgetRevenue;
  const pts = b.points.map((p) => ({ budget: p.budget, revenue: p.revenue, title: p.title }));
  // a loop, not Math.min(...spread): a spread passes one argument per movie and overflows the stack
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pts) {
    lo = Math.min(lo, p.budget, p.revenue);
    hi = Math.max(hi, p.budget, p.revenue);
  }
  const ticks = pts.length ? powersOfTen(lo, hi) : [];
  const domain = ticks.length ? [ticks[0], ticks[ticks.length - 1]] : [1, 10];
  const axis = { values: ticks, labelExpr: MONEY_LABEL, grid: true };
  return {
    id: 'budget-revenue',
    title: 'Budget vs revenue',
    description:
      `Each dot is a movie with both a budget and a revenue above 0 (${nf.format(b.movies)} movies; ` +
      `${nf.format(b.excluded)} with either unknown are left out). Both axes are logarithmic; ` +
      `the dashed line is break-even (revenue = budget): ${nf.format(b.revenueAboveBudget)} movies lie above it. ` +
      (b.plotted < b.movies ? `${nf.format(b.plotted)} of them, sampled by id, are drawn. ` : '') +
      (b.pearsonLog10 !== null ? `Pearson r of the logarithms: ${b.pearsonLog10.toFixed(2)}.` : ''),
    spec: pts.length
      ? {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          description: 'Budget vs revenue, log scales',
          config: CONFIG,
          width: 640,
          height: 520,
          layer: [
            {
              data: { values: pts },
              mark: { type: 'circle', size: 18, opacity: pts.length > 5000 ? 0.3 : 0.45, color: BAR },
              encoding: {
                x: { field: 'budget', type: 'quantitative', title: 'Budget (log scale)', scale: { type: 'log', domain }, axis },
                y: { field: 'revenue', type: 'quantitative', title: 'Revenue (log scale)', scale: { type: 'log', domain }, axis },
                tooltip: [{ field: 'title' }, { field: 'budget', format: '$,' }, { field: 'revenue', format: '$,' }],
              },
            },
            {
              data: { values: [{ v: domain[1] / 10 ** 0.15, label: 'break-even' }] },
              mark: { type: 'text', color: ACCENT, align: 'right', dx: -8, fontWeight: 'bold' },
              encoding: {
                x: { field: 'v', type: 'quantitative', scale: { type: 'log', domain } },
                y: { field: 'v', type: 'quantitative', scale: { type: 'log', domain } },
                text: { field: 'label' },
              },
            },
            {
              data: { values: domain.map((v) => ({ v })) },
              mark: { type: 'line', color: ACCENT, strokeDash: [6, 4], strokeWidth: 1.5 },
              encoding: {
                x: { field: 'v', type: 'quantitative', scale: { type: 'log', domain } },
                y: { field: 'v', type: 'quantitative', scale: { type: 'log', domain } },
              },
            },
          ],
        }
      : null,
    empty: 'No movie has both a budget and a revenue above 0.',
  };
}

function correlationChart(s: EdaSummary): ChartDef {
  const c = s.correlation;
  const labels = c.columns.map((k) => COLUMN_LABELS[k]);
  const rows = c.cells.map((cell) => ({
    x: COLUMN_LABELS[cell.x],
    y: COLUMN_LABELS[cell.y],
    r: cell.r,
    rText: cell.r === null ? '–' : cell.r.toFixed(2),
    nText: `n=${nf.format(cell.n)}`,
  }));
  const band = { field: 'x', type: 'nominal' as const, sort: labels, title: null };
  return {
    id: 'correlation',
    title: 'Correlation matrix (Pearson)',
    description:
      'Pearson r between the numeric columns. A 0 that means "unknown" (budget, revenue, return, runtime; ' +
      'a vote average without votes) is left out pairwise: each cell uses the movies where both values are ' +
      'known, and n says how many. Grey cells have too few pairs. Return (revenue / budget) is dominated by a ' +
      'few movies with a tiny recorded budget, hence its near-zero r.',
    spec: s.catalog.movies
      ? {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          description: 'Correlation heatmap',
          config: CONFIG,
          width: { step: 100 },
          height: { step: 56 },
          data: { values: rows },
          encoding: {
            x: { ...band, axis: { orient: 'top', labelAngle: 0, labelLimit: 96, ticks: false, domain: false } },
            y: { field: 'y', type: 'nominal', sort: labels, title: null, axis: { labelLimit: 120, ticks: false, domain: false } },
          },
          layer: [
            {
              mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
              encoding: {
                color: {
                  field: 'r',
                  type: 'quantitative',
                  scale: { domain: [-1, 1], scheme: 'redblue' },
                  legend: { title: 'r', gradientLength: 260, direction: 'vertical' },
                  condition: { test: 'datum.r === null', value: '#ddd' },
                },
              },
            },
            {
              mark: { type: 'text', fontSize: 14, fontWeight: 'bold', baseline: 'middle', dy: -7 },
              encoding: {
                text: { field: 'rText' },
                color: { condition: { test: 'datum.r !== null && abs(datum.r) > 0.55', value: 'white' }, value: '#222' },
              },
            },
            {
              mark: { type: 'text', fontSize: 10, baseline: 'middle', dy: 10 },
              encoding: {
                text: { field: 'nText' },
                color: { condition: { test: 'datum.r !== null && abs(datum.r) > 0.55', value: 'white' }, value: '#555' },
              },
            },
          ],
        }
      : null,
    empty: 'The catalog is empty.',
  };
}

function titleWordsChart(s: EdaSummary): ChartDef {
  const t = s.titleWords;
  const rows = t.top.map((w) => ({ label: w.word, value: w.titles }));
  return {
    id: 'title-words',
    title: 'Most frequent words in titles',
    description:
      `Titles containing each word (a word repeated in one title counts once), after removing ` +
      `English and Spanish stop words, possessive "'s", numbers, sequel numerals (II, III...) and one-letter tokens. ` +
      `${nf.format(t.tokens)} words kept, ${nf.format(t.stopWordTokens)} stop words removed, ` +
      `${nf.format(t.distinct)} distinct words.`,
    spec: rows.length
      ? rankedBars(rows, { xTitle: 'Titles containing the word', description: 'Top title words', labelLimit: 160, color: '#54a24b' })
      : null,
    empty: 'No title has a word left after stop-word removal.',
  };
}

function codedChart(
  id: string,
  title: string,
  list: EdaSummary['languages'],
  what: string,
  color: string,
  note: string,
): ChartDef {
  const rows = list.top.map((l) => ({ label: l.name === l.code ? l.code : `${l.name} (${l.code})`, value: l.movies }));
  return {
    id,
    title,
    description:
      `The ${rows.length} most common of ${nf.format(list.distinct)} ${what}; ` +
      `${count(list.moviesWithout, 'movie has', 'movies have')} none. ${note}`,
    spec: rows.length ? rankedBars(rows, { xTitle: 'Movies', description: title, labelLimit: 280, color }) : null,
    empty: `No movie has any ${what}.`,
  };
}

function companiesChart(s: EdaSummary): ChartDef {
  const rows = s.companies.top.map((c) => ({ label: c.name, value: c.movies }));
  return {
    id: 'companies',
    title: 'Top production companies',
    description:
      `The ${rows.length} companies with the most movies, of ${nf.format(s.companies.distinct)}; ` +
      `${count(s.companies.moviesWithout, 'movie lists', 'movies list')} no company.`,
    spec: rows.length
      ? rankedBars(rows, { xTitle: 'Movies', description: 'Top production companies', labelLimit: 360, color: '#b279a2' })
      : null,
    empty: 'No movie lists a production company.',
  };
}

function missingChart(s: EdaSummary): ChartDef {
  const rows = s.quality.columns.map((c) => ({
    label: `${c.column} — ${c.missingWhen}`,
    share: c.share,
    text: `${nf.format(c.missing)} (${(c.share * 100).toFixed(1)}%)`,
  }));
  return {
    id: 'missing',
    title: 'Data quality: missing values per column',
    description:
      'Share of catalog movies whose column is empty or unknown, by the rule shown beside each column ' +
      '(TMDB writes 0 for an unknown budget, revenue or runtime).',
    spec: s.catalog.movies
      ? {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          description: 'Missing values per column',
          config: CONFIG,
          width: 520,
          height: { step: 22 },
          data: { values: rows },
          encoding: {
            y: {
              field: 'label',
              type: 'nominal',
              sort: rows.map((r) => r.label),
              title: null,
              axis: { labelLimit: 400, ticks: false, domain: false, labelPadding: 6 },
            },
            x: {
              field: 'share',
              type: 'quantitative',
              title: 'Share of movies missing the value',
              scale: { domain: [0, 1] },
              axis: { format: '.0%', tickCount: 5, grid: true },
            },
          },
          layer: [
            { mark: { type: 'bar', color: '#f58518', height: { band: 0.75 } } },
            {
              mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, color: '#333' },
              encoding: { text: { field: 'text' } },
            },
          ],
        }
      : null,
    empty: 'The catalog is empty.',
  };
}

function notAdmittedChart(s: EdaSummary): ChartDef {
  const q = s.quality;
  const rows = [
    ...q.quarantined.map((r) => ({ label: `${r.table}: ${r.reason}`, value: r.rows, kind: 'quarantined' })),
    ...q.dropped.map((r) => ({ label: `${r.table ?? r.stage}: ${r.reason}`, value: r.rows, kind: 'dropped' })),
  ];
  return {
    id: 'not-admitted',
    title: 'Data quality: rows quarantined and dropped',
    description:
      `Input rows that did not become catalog movies, by reason: ${nf.format(q.quarantinedTotal)} quarantined ` +
      `(kept in quarantine.jsonl with the raw row) and ${nf.format(q.droppedTotal)} dropped ` +
      `(counted by the pipeline stages: rows without a valid release date, exact repeats of a row).`,
    spec: rows.length
      ? {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          description: 'Rows quarantined and dropped by reason',
          config: CONFIG,
          width: 520,
          height: { step: 24 },
          data: { values: rows },
          encoding: {
            y: {
              field: 'label',
              type: 'nominal',
              sort: rows.map((r) => r.label),
              title: null,
              axis: { labelLimit: 320, ticks: false, domain: false, labelPadding: 6 },
            },
            x: {
              field: 'value',
              type: 'quantitative',
              title: 'Rows',
              axis: { format: COUNT_FORMAT, tickCount: 5, tickMinStep: 1, grid: true },
            },
          },
          layer: [
            {
              mark: { type: 'bar', height: { band: 0.75 } },
              encoding: {
                color: {
                  field: 'kind',
                  type: 'nominal',
                  title: null,
                  scale: { domain: ['quarantined', 'dropped'], range: [ACCENT, '#9d755d'] },
                  legend: { orient: 'bottom', direction: 'horizontal' },
                },
              },
            },
            {
              mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, color: '#333' },
              encoding: { text: { field: 'value', type: 'quantitative', format: ',' } },
            },
          ],
        }
      : null,
    empty: 'No input row was quarantined or dropped.',
  };
}

/** Every chart of the report, in page order. */
export function reportCharts(s: EdaSummary): ChartDef[] {
  return [
    genresChart(s),
    yearsChart(s),
    runtimeChart(s),
    budgetRevenueChart(s),
    correlationChart(s),
    titleWordsChart(s),
    codedChart(
      'languages',
      'Top original languages',
      s.languages,
      'original languages',
      '#72b7b2',
      "Names come from Intl.DisplayNames; codes it has no name for (TMDB's 'cn', 'xx') are shown as they are.",
    ),
    codedChart(
      'countries',
      'Top production countries',
      s.countries,
      'production countries',
      '#eeca3b',
      'A movie made in several countries counts once in each.',
    ),
    companiesChart(s),
    missingChart(s),
    notAdmittedChart(s),
    ...(s.platforms ? platformCharts(s.platforms) : []),
  ];
}

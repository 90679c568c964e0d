import type { LoadedReport } from './load.js';

/** The GetReportSummaryResponse of a loaded report (field names as proto-loader's lowerCamelCase). */
export function reportSummaryMessage(r: LoadedReport, serving: boolean, omitJson: boolean) {
  const s = r.summary;
  const q = s.quality;
  const optional = (v: number | null | undefined) => (v === null || v === undefined ? undefined : v);
  return {
    location: {
      version: r.version,
      reportRelativePath: r.reportRelativePath,
      summaryRelativePath: r.summaryRelativePath,
      serving,
    },
    generatedAt: s.generatedAt,
    catalog: {
      movies: s.catalog.movies,
      firstYear: s.catalog.firstYear ?? 0,
      lastYear: s.catalog.lastYear ?? 0,
      withBudget: s.catalog.withBudget,
      withRevenue: s.catalog.withRevenue,
      withBudgetAndRevenue: s.catalog.withBudgetAndRevenue,
      withRuntime: s.catalog.withRuntime,
      withCredits: s.catalog.withCredits,
    },
    genres: s.genres.top,
    releasesPerYear: s.releasesPerYear,
    runtime: {
      known: s.runtime.known,
      unknown: s.runtime.unknown,
      minMinutes: s.runtime.min ?? 0,
      maxMinutes: s.runtime.max ?? 0,
      meanMinutes: s.runtime.mean ?? 0,
      medianMinutes: s.runtime.median ?? 0,
      binMinutes: s.runtime.binMinutes,
      bins: s.runtime.bins.map((b) => ({
        fromMinutes: b.from,
        toMinutes: b.to ?? 0,
        openEnded: b.to === null,
        movies: b.movies,
      })),
    },
    budgetRevenue: {
      movies: s.budgetRevenue.movies,
      excluded: s.budgetRevenue.excluded,
      pearsonLog10: optional(s.budgetRevenue.pearsonLog10),
      revenueAboveBudget: s.budgetRevenue.revenueAboveBudget,
    },
    correlations: s.correlation.cells.map((c) => ({ x: c.x, y: c.y, r: optional(c.r), n: c.n })),
    titleWords: s.titleWords.top,
    languages: s.languages.top,
    countries: s.countries.top,
    companies: s.companies.top,
    quality: {
      columns: q.columns,
      quarantined: q.quarantined.map((x) => ({ stage: x.stage ?? '', table: x.table ?? '', reason: x.reason, rows: x.rows })),
      quarantinedTotal: q.quarantinedTotal,
      dropped: q.dropped.map((x) => ({ stage: x.stage ?? '', table: x.table ?? '', reason: x.reason, rows: x.rows })),
      droppedTotal: q.droppedTotal,
    },
    summaryJson: omitJson ? '' : r.summaryJson,
  };
}

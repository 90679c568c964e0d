// The EDA at catalog scale: one pass, memory that does not grow with the catalog, a report of a
// fixed size. Expectations come from plain arrays computed here.
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../pipeline/eda/report-html.js';
import { HashSample, mix32, PearsonAccumulator, ValueCounts } from '../../pipeline/eda/stats.js';
import { summarize } from '../../pipeline/eda/summarize.js';
import type { Movie } from '../../pipeline/types.js';

/** Two-pass Pearson over arrays: the reference the streaming accumulator is checked against. */
function pearson(xs: number[], ys: number[]): number | null {
  const n = xs.length;
  if (n < 3) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

function movie(id: number, budget: number, revenue: number, runtime: number | null): Movie {
  return {
    id,
    title: `Movie ${id}`,
    originalTitle: `Movie ${id}`,
    overview: '',
    tagline: '',
    releaseDate: '2000-01-01',
    releaseYear: 1950 + (id % 70),
    runtime,
    budget,
    revenue,
    popularity: (id % 97) / 7,
    voteAverage: (id % 10) + 0.5,
    voteCount: id % 1000,
    originalLanguage: 'en',
    genres: ['Drama'],
    keywords: [],
    cast: [],
    directors: [],
    productionCompanies: [],
    productionCountries: [],
    spokenLanguages: [],
    hasCredits: false,
    collection: null,
    imdbId: null,
    homepage: null,
    status: 'Released',
    adult: false,
  } as unknown as Movie;
}

describe('streaming statistics', () => {
  it('PearsonAccumulator agrees with the two-pass pearson()', () => {
    const xs = Array.from({ length: 5000 }, (_, i) => Math.log10(1e5 + ((i * 7919) % 1e8)));
    const ys = xs.map((x, i) => x * 0.8 + Math.sin(i) * 0.3);
    const acc = new PearsonAccumulator();
    xs.forEach((x, i) => acc.add(x, ys[i]));
    expect(acc.r()).toBeCloseTo(pearson(xs, ys)!, 10);
    const flat = new PearsonAccumulator();
    for (let i = 0; i < 10; i++) flat.add(i, 3);
    expect(flat.r()).toBeNull();
  });

  it('ValueCounts gives the median and mean of the values it counted', () => {
    for (const n of [1, 2, 7, 1000, 1001]) {
      const vs = Array.from({ length: n }, (_, i) => (i * 37) % 181);
      const c = new ValueCounts();
      vs.forEach((v) => c.add(v));
      const s = [...vs].sort((a, b) => a - b);
      const med = n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
      expect(c.median(), `n=${n}`).toBe(med);
      expect(c.mean()).toBeCloseTo(vs.reduce((a, b) => a + b, 0) / n, 9);
    }
  });

  it('HashSample keeps the lowest hashed keys whatever the order', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => i * 3 + 1);
    const expected = [...keys].sort((a, b) => mix32(a) - mix32(b)).slice(0, 100).sort((a, b) => a - b);
    const forward = new HashSample<number>(100);
    keys.forEach((k) => forward.add(k, k));
    const backward = new HashSample<number>(100);
    [...keys].reverse().forEach((k) => backward.add(k, k));
    expect(forward.values()).toEqual(expected);
    expect(backward.values()).toEqual(expected);
  });
});

describe('the EDA over a large catalog', () => {
  // 300k movies: past where Math.min(...spread) overflowed the stack (~125k arguments)
  const N = 300_000;
  const movies = Array.from({ length: N }, (_, i) =>
    movie(i + 1, i % 3 === 0 ? 0 : 1000 + ((i * 7919) % 9_000_000), i % 5 === 0 ? 0 : 500 + ((i * 104_729) % 20_000_000), i % 11 === 0 ? null : 60 + (i % 120)),
  );
  const s = summarize(movies, [], {}, { generatedAt: '2024-01-01T00:00:00.000Z' });
  const both = movies.filter((m) => m.budget > 0 && m.revenue > 0);

  it('counts every movie but draws a fixed-size sample of the scatter', () => {
    expect(s.budgetRevenue.movies).toBe(both.length);
    expect(s.budgetRevenue.revenueAboveBudget).toBe(both.filter((m) => m.revenue > m.budget).length);
    expect(s.budgetRevenue.plotted).toBe(4000);
    expect(s.budgetRevenue.points).toHaveLength(4000);
    const bothIds = new Set(both.map((m) => m.id));
    for (const p of s.budgetRevenue.points) expect(bothIds.has(p.id)).toBe(true);
    const r = pearson(both.map((m) => Math.log10(m.budget)), both.map((m) => Math.log10(m.revenue)));
    expect(s.budgetRevenue.pearsonLog10).toBeCloseTo(r!, 3);
    const runtimes = movies.flatMap((m) => (m.runtime ? [m.runtime] : [])).sort((a, b) => a - b);
    expect(s.runtime.known).toBe(runtimes.length);
    const h = runtimes.length >> 1;
    expect(s.runtime.median).toBe(runtimes.length % 2 ? runtimes[h] : (runtimes[h - 1] + runtimes[h]) / 2);
  });

  it('renders a report of bounded size', async () => {
    const report = await renderReport(s, { version: 'v-test', summaryHref: 'summary.json' });
    expect(Buffer.byteLength(report.html)).toBeLessThan(5 * 1024 * 1024);
  }, 120_000);
});

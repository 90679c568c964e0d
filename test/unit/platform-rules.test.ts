// The platform cleaning rules (DESIGN.md "The streaming-platform catalog"), one by one, and the
// platform stages on the handmade fixtures in test/fixtures/platforms.
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { decideLink } from '../../pipeline/platforms/link.js';
import { cleanTitle, parseDateAdded, parseDuration, platformOf, splitList } from '../../pipeline/platforms/rules.js';
import { PLATFORM_FILES, type PlatformTitle, type TitleScore, type WatchLink } from '../../pipeline/platforms/types.js';
import { newRunContext, type StageContext } from '../../pipeline/stages/context.js';
import { STAGE_FNS } from '../../pipeline/stages/registry.js';
import type { QuarantineRecord, StageResult } from '../../pipeline/types.js';

const row = (over: Record<string, string>) => ({
  show_id: 's1', type: 'Movie', title: 'T', director: '', cast: '', country: '', date_added: 'January 2, 2020',
  release_year: '2019', rating: 'PG', duration: '90 min', listed_in: 'Drama', description: 'd', ...over,
});

describe('platform rules', () => {
  it('ids are the platform letter + show_id', () => {
    const ids = (['amazon', 'disney', 'hulu', 'netflix'] as const).map((p) => {
      const r = cleanTitle(p, row({ show_id: 's123' }));
      return r.ok ? r.title.id : r.detail;
    });
    expect(ids).toEqual(['as123', 'ds123', 'hs123', 'ns123']);
  });

  it('durations: minutes, 1 Season and 2 Seasons are both season; empty or unreadable is unknown, never 0', () => {
    expect(parseDuration('90 min')).toEqual({ value: 90, type: 'min' });
    expect(parseDuration('1 Season')).toEqual({ value: 1, type: 'season' });
    expect(parseDuration('2 Seasons')).toEqual({ value: 2, type: 'season' });
    expect(parseDuration('')).toBeNull();
    expect(parseDuration('0 min')).toBeNull();
    expect(parseDuration('about an hour')).toBeNull();
    const r = cleanTitle('netflix', row({ duration: '' }));
    expect(r.ok && [r.title.durationInt, r.title.durationType, r.repairs.duration_unknown]).toEqual([null, null, 1]);
  });

  it('a Hulu-style duration misplaced in rating is moved back, and the rating becomes G', () => {
    const r = cleanTitle('hulu', row({ duration: '', rating: '74 min' }));
    expect(r.ok && [r.title.durationInt, r.title.durationType, r.title.rating]).toEqual([74, 'min', 'G']);
    expect(r.ok && r.repairs).toEqual({ duration_moved: 1, rating_defaulted: 1 });
    const s = cleanTitle('hulu', row({ duration: '', rating: '2 Seasons', type: 'TV Show' }));
    expect(s.ok && [s.title.durationInt, s.title.durationType]).toEqual([2, 'season']);
  });

  it('an empty rating is G; a real one is kept', () => {
    const e = cleanTitle('amazon', row({ rating: '' }));
    expect(e.ok && [e.title.rating, e.repairs.rating_defaulted]).toEqual(['G', 1]);
    const k = cleanTitle('amazon', row({ rating: 'TV-MA' }));
    expect(k.ok && [k.title.rating, k.repairs.rating_defaulted]).toEqual(['TV-MA', undefined]);
  });

  it('date_added becomes YYYY-MM-DD, leading spaces allowed; empty or impossible dates are unknown', () => {
    expect(parseDateAdded('September 25, 2021')).toBe('2021-09-25');
    expect(parseDateAdded(' August 4, 2017')).toBe('2017-08-04');
    expect(parseDateAdded('  Mar 1, 2020')).toBe('2020-03-01');
    expect(parseDateAdded('')).toBeNull();
    expect(parseDateAdded('February 30, 2020')).toBeNull();
    expect(parseDateAdded('2020-01-01')).toBeNull();
  });

  it('comma lists are trimmed with empty parts dropped; digit-only cast entries are placeholders', () => {
    expect(splitList(' A ,B,, C ,')).toEqual(['A', 'B', 'C']);
    const r = cleanTitle('amazon', row({ cast: '1, 2, 3' }));
    expect(r.ok && [r.title.cast, r.repairs.cast_placeholders_dropped]).toEqual([[], 3]);
    const m = cleanTitle('amazon', row({ cast: 'Ann, 42, Bob' }));
    expect(m.ok && m.title.cast).toEqual(['Ann', 'Bob']);
  });

  it('rows it cannot read are refused with a reason, not guessed at', () => {
    expect(cleanTitle('netflix', row({ type: 'Documentary' }))).toMatchObject({ ok: false, reason: 'unexpected_value' });
    expect(cleanTitle('netflix', row({ release_year: '20x9' }))).toMatchObject({ ok: false, reason: 'unexpected_value' });
    expect(cleanTitle('netflix', row({ show_id: '' }))).toMatchObject({ ok: false, reason: 'bad_id' });
  });

  it('platform names and aliases, any case; unknown names are null', () => {
    expect(['Amazon Prime', 'prime video', 'AMAZON', 'a', 'Disney+', 'disney plus', 'D', 'hulu', 'Netflix', 'n'].map(platformOf)).toEqual([
      'amazon', 'amazon', 'amazon', 'amazon', 'disney', 'disney', 'disney', 'hulu', 'netflix', 'netflix',
    ]);
    expect(platformOf('hbo')).toBeNull();
  });

  it('links: same year; one year apart only with a director; ambiguous never linked', () => {
    const c = (id: number, year: number, directors: string[] = []) => ({ id, title: 'X', year, directors: new Set(directors) });
    expect(decideLink({ releaseYear: 2000, directors: [] }, [c(1, 2000), c(2, 1999)])).toEqual({ kind: 'linked', movieId: 1, rule: 'same-year' });
    expect(decideLink({ releaseYear: 2001, directors: ['Ann Director'] }, [c(1, 2000, ['ann director'])])).toEqual({ kind: 'linked', movieId: 1, rule: 'near-year' });
    expect(decideLink({ releaseYear: 2001, directors: ['Someone'] }, [c(1, 2000, ['ann director'])])).toEqual({ kind: 'unlinked' });
    expect(decideLink({ releaseYear: 2000, directors: [] }, [c(1, 2000), c(2, 2000)])).toMatchObject({ kind: 'ambiguous', rule: 'same-year' });
    expect(decideLink({ releaseYear: 2002, directors: [] }, [c(1, 2000)])).toEqual({ kind: 'unlinked' });
  });
});

describe('platform stages on the fixtures', () => {
  const FIX = path.join(PROJECT_ROOT, 'test', 'fixtures', 'platforms');
  let artifactsDir: string;
  let ctx: StageContext;
  const results: Record<string, StageResult> = {};
  const lines = async <T>(f: string): Promise<T[]> =>
    (await readFile(path.join(ctx.dir, f), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

  beforeAll(async () => {
    artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-plat-'));
    const config = loadConfig({ dataDir: path.join(PROJECT_ROOT, 'test', 'fixtures', 'tmdb'), platformsDir: FIX, artifactsDir, embedder: 'catalog', logLevel: 'silent' });
    ctx = await newRunContext(config, { log: createLogger('test', 'silent') });
    for (const s of ['extract', 'transform', 'platforms', 'scores', 'link'] as const) results[s] = await STAGE_FNS[s](ctx);
  });
  afterAll(async () => {
    await rm(artifactsDir, { recursive: true, force: true });
  });

  it('counts every repair and quarantines each unreadable row with its reason', async () => {
    const c = results.platforms.counts!;
    expect(c).toMatchObject({
      platform_titles_rows_read: 18,
      platform_titles_kept: 15,
      platform_titles_quarantined: 3,
      platform_duration_moved: 1,
      platform_duration_unknown: 1,
      platform_cast_placeholders_dropped: 3,
    });
    const q = await lines<QuarantineRecord>(PLATFORM_FILES.quarantine);
    expect(q.map((r) => r.reason).sort()).toEqual(['duplicate_id', 'malformed_row', 'unexpected_value']);
    const titles = await lines<PlatformTitle>(PLATFORM_FILES.titles);
    expect(titles.find((t) => t.id === 'hs1')).toMatchObject({ durationInt: 74, durationType: 'min', rating: 'G', dateAdded: '2020-03-01' });
    expect(titles.find((t) => t.id === 'hs2')).toMatchObject({ durationInt: 1, durationType: 'season' });
    expect(titles.find((t) => t.id === 'ns5')).toMatchObject({ durationInt: 3, durationType: 'season', dateAdded: '2017-08-04' });
    expect(titles.find((t) => t.id === 'as1')).toMatchObject({ cast: [], rating: 'G', dateAdded: null });
  });

  it('scores come from the raw ratings when there are any: mean, count and half-star histogram', async () => {
    expect(results.scores.info?.source).toBe('raw ratings');
    const scores = await lines<TitleScore>(PLATFORM_FILES.scores);
    expect(scores.find((s) => s.id === 'as1')).toEqual({ id: 'as1', mean: (4 + 5 + 3.5) / 3, count: 3, histogram: [0, 0, 0, 0, 0, 0, 1, 1, 0, 1] });
    expect(results.scores.counts).toMatchObject({ platform_ratings_rows_read: 10, platform_ratings_unknown_title: 1, platform_ratings_malformed: 2 });
    expect(results.scores.quarantine).toEqual({ unexpected_value: 2, unknown_title: 1 });
  });

  it('without raw ratings the per-title mean file is used, and said so', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mq-plat-mean-'));
    try {
      for (const f of ['netflix_titles.fixture.csv', 'amazon_prime_titles.fixture.csv', 'disney_plus_titles.fixture.csv', 'hulu_titles.fixture.csv', 'ratings_mean_by_title.fixture.csv']) {
        await copyFile(path.join(FIX, f), path.join(dir, f));
      }
      await mkdir(path.join(dir, 'unrelated'));
      const c2 = { ...ctx, config: { ...ctx.config, platformsDir: dir } };
      const r = await STAGE_FNS.scores(c2);
      expect(r.info?.source).toBe('per-title mean file');
      const scores = await lines<TitleScore>(PLATFORM_FILES.scores);
      expect(scores).toEqual([
        { id: 'as1', mean: 3.1, count: 0, histogram: [] },
        { id: 'ds1', mean: 2.2, count: 0, histogram: [] },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('links platform movies to TMDB movies by title and year', async () => {
    const links = await lines<WatchLink>(PLATFORM_FILES.links);
    expect(links).toEqual([
      { movieId: 102, titleId: 'as1', platform: 'amazon', rule: 'same-year' },
      { movieId: 101, titleId: 'ds1', platform: 'disney', rule: 'same-year' },
      { movieId: 105, titleId: 'ds2', platform: 'disney', rule: 'near-year' },
      { movieId: 111, titleId: 'ns1', platform: 'netflix', rule: 'same-year' },
    ]);
    expect(results.link.counts).toMatchObject({ link_titles_linked: 4, link_titles_linked_near_year: 1, link_titles_ambiguous: 0, link_shows_not_linked: 4 });
  });
});

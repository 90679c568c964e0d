// ReportService.GetReportSummary over a real grpc-js client against the real server (startServer
// on 127.0.0.1:0), on versions built from the EDA fixture: one with EDA output, one without, one
// with an empty catalog.
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishVersion, writeStageResult } from '../../pipeline/artifacts/store.js';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import type { EdaSummary } from '../../pipeline/eda/summary-types.js';
import { createLogger } from '../../pipeline/log.js';
import { runEda } from '../../pipeline/stages/eda.js';
import { serviceClient, type MarqueeClient } from '../../service/client.js';
import { suggestionsOf } from '../../service/errors.js';
import { MODULES } from '../../service/modules.js';
import { reportModule } from '../../service/report/module.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { rpcError } from '../helpers/rpc.js';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'eda');
const WITH_EDA = '20240101T000000000Z-edasvc1';
const WITHOUT_EDA = '20240102T000000000Z-noeda';
const EMPTY = '20240103T000000000Z-empty';
const log = createLogger('test', 'silent');

/** Builds a version dir from the fixture (eda optional) and publishes it (CURRENT moves to it). */
async function buildVersion(artifactsDir: string, version: string, opts: { eda: boolean; empty?: boolean }): Promise<void> {
  const dir = path.join(artifactsDir, version);
  await mkdir(dir, { recursive: true });
  await cp(FIXTURE, dir, { recursive: true });
  if (opts.empty) await writeFile(path.join(dir, 'catalog.jsonl'), '');
  if (opts.eda) {
    const config = loadConfig({ artifactsDir, logLevel: 'silent' });
    const result = await runEda({ config, runId: `run-${version}`, version, dir, log, progress: () => {} });
    await writeStageResult(dir, result);
  }
  await publishVersion(artifactsDir, version, `run-${version}`);
}

describe('ReportService', () => {
  let artifactsDir: string;
  let server: RunningServer;
  let client: MarqueeClient;
  let summary: EdaSummary;

  beforeAll(async () => {
    artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-report-svc-'));
    await buildVersion(artifactsDir, WITHOUT_EDA, { eda: false });
    await buildVersion(artifactsDir, EMPTY, { eda: true, empty: true });
    await buildVersion(artifactsDir, WITH_EDA, { eda: true }); // published last: CURRENT
    summary = JSON.parse(await readFile(path.join(artifactsDir, WITH_EDA, 'eda', 'summary.json'), 'utf8')) as EdaSummary;
    // the catalog and report modules of the real module list (the admin module needs Redis)
    const modules = MODULES.filter((m) => m.serviceName !== 'marquee.v1.PipelineAdmin');
    server = await startServer({
      config: loadConfig({ artifactsDir, logLevel: 'silent' }),
      addr: '127.0.0.1:0',
      log,
      watch: false,
      modules,
    });
    client = serviceClient('marquee.v1.ReportService', ['marquee/v1/report.proto'], `127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    client?.close();
    await server?.close(1000);
    if (artifactsDir) await rm(artifactsDir, { recursive: true, force: true });
  });

  it('is one of the server modules', () => {
    expect(MODULES).toContain(reportModule);
  });

  it('returns the serving version summary and where its report is', async () => {
    const r = await client.call('GetReportSummary', {});
    // relative paths only: the service does not show its file system to callers
    expect(r.location).toEqual({
      version: WITH_EDA,
      reportPath: '',
      reportRelativePath: 'eda/report.html',
      summaryPath: '',
      summaryRelativePath: 'eda/summary.json',
      serving: true,
    });
    expect(existsSync(path.join(artifactsDir, WITH_EDA, r.location.reportRelativePath))).toBe(true);
    expect(r.generatedAt).toBe(summary.generatedAt);
    expect(r.catalog).toEqual({
      movies: 14,
      firstYear: 1995,
      lastYear: 2000,
      withBudget: summary.catalog.withBudget,
      withRevenue: summary.catalog.withRevenue,
      withBudgetAndRevenue: summary.catalog.withBudgetAndRevenue,
      withRuntime: summary.catalog.withRuntime,
      withCredits: summary.catalog.withCredits,
    });
    expect(r.genres).toEqual(summary.genres.top);
    expect(r.releasesPerYear).toEqual(summary.releasesPerYear);
    expect(r.titleWords).toEqual(summary.titleWords.top);
    expect(r.companies[0]).toEqual({ name: 'United Artists', movies: 4 });
    expect(r.countries.find((c: { code: string }) => c.code === 'SU')).toEqual({ code: 'SU', name: 'Soviet Union', movies: 1 });
    expect(r.runtime.bins).toHaveLength(summary.runtime.bins.length);
    expect(r.runtime.bins.at(-1)).toEqual({ fromMinutes: 240, toMinutes: 0, openEnded: true, movies: 1 });
    expect(r.runtime.medianMinutes).toBe(summary.runtime.median);
    expect(r.correlations).toHaveLength(49);
    const budgetRevenue = r.correlations.find((c: { x: string; y: string }) => c.x === 'revenue' && c.y === 'budget');
    const expected = summary.correlation.cells.find((c) => c.x === 'revenue' && c.y === 'budget')!;
    expect(budgetRevenue.r).toBeCloseTo(expected.r!, 10);
    expect(budgetRevenue.n).toBe(expected.n);
    expect(r.quality.quarantinedTotal).toBe(5);
    expect(r.quality.droppedTotal).toBe(5);
    expect(r.quality.quarantined).toContainEqual({ stage: '', table: 'movies', reason: 'duplicate_id', rows: 2 });
    expect(r.quality.dropped).toContainEqual({ stage: 'transform', table: 'movies', reason: 'missing release date', rows: 2 });
    expect(JSON.parse(r.summaryJson)).toEqual(summary);
  });

  it('leaves the JSON out when asked to', async () => {
    const r = await client.call('GetReportSummary', { omitJson: true });
    expect(r.summaryJson).toBe('');
    expect(r.catalog.movies).toBe(14);
  });

  it('reads another version by name, with unknown correlations left unset', async () => {
    const r = await client.call('GetReportSummary', { version: EMPTY });
    expect(r.location.version).toBe(EMPTY);
    expect(r.location.serving).toBe(false);
    expect(r.catalog.movies).toBe(0);
    expect(r.correlations).toHaveLength(49);
    for (const c of r.correlations) {
      expect(c.n).toBe(0);
      expect(c.r ?? null).toBeNull(); // proto3 optional: absent, not 0
    }
    expect(r.budgetRevenue.pearsonLog10 ?? null).toBeNull();
  });

  it('answers FAILED_PRECONDITION for a version without EDA output', async () => {
    const err = await rpcError(client.call('GetReportSummary', { version: WITHOUT_EDA }));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toContain(`version ${WITHOUT_EDA} has no EDA report`);
    expect(err.details).toContain('eda/summary.json');
  });

  it('answers NOT_FOUND with the closest versions for an unknown one', async () => {
    const err = await rpcError(client.call('GetReportSummary', { version: '20240101T000000000Z-edasvc2' }));
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(suggestionsOf(err)[0]).toBe(WITH_EDA);
    expect(suggestionsOf(err)).toHaveLength(3);
  });

  it('answers INVALID_ARGUMENT for a name that is not a version', async () => {
    for (const version of ['../etc', 'a/b', 'x'.repeat(101)]) {
      const err = await rpcError(client.call('GetReportSummary', { version }));
      expect(err.code, version).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toContain('is not a version name');
    }
  });

  it('answers FAILED_PRECONDITION while serving a version without EDA output, and recovers on a swap', async () => {
    await server.holder.load(WITHOUT_EDA);
    const err = await rpcError(client.call('GetReportSummary', {}));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toContain('rebuild it');
    // the catalog RPCs are unaffected by the missing report
    const catalog = serviceClient('marquee.v1.CatalogService', ['marquee/v1/catalog.proto'], `127.0.0.1:${server.port}`);
    try {
      expect((await catalog.call('CatalogInfo', {})).version).toBe(WITHOUT_EDA);
    } finally {
      catalog.close();
    }
    await server.holder.load(WITH_EDA);
    expect((await client.call('GetReportSummary', { omitJson: true })).location).toMatchObject({ version: WITH_EDA, serving: true });
  });
});

describe('ReportService before any version is published', () => {
  it('answers UNAVAILABLE for the serving version and still reads a named one', async () => {
    const artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-report-svc-empty-'));
    // a version dir with its EDA output, not published (no manifest, no CURRENT)
    const dir = path.join(artifactsDir, WITH_EDA);
    await cp(FIXTURE, dir, { recursive: true });
    const config = loadConfig({ artifactsDir, logLevel: 'silent' });
    await runEda({ config, runId: 'unpublished', version: WITH_EDA, dir, log, progress: () => {} });
    const server = await startServer({
      config,
      addr: '127.0.0.1:0',
      log,
      watch: false,
      modules: [reportModule],
    });
    const client = serviceClient('marquee.v1.ReportService', ['marquee/v1/report.proto'], `127.0.0.1:${server.port}`);
    try {
      expect((await rpcError(client.call('GetReportSummary', {}))).code).toBe(grpc.status.UNAVAILABLE);
      const r = await client.call('GetReportSummary', { version: WITH_EDA, omitJson: true });
      expect(r.location).toMatchObject({ version: WITH_EDA, serving: false, reportPath: '', reportRelativePath: 'eda/report.html' });
      expect(r.catalog.movies).toBe(14);
    } finally {
      client.close();
      await server.close(1000);
      await rm(artifactsDir, { recursive: true, force: true });
    }
  });
});

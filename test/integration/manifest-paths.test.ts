// A version's manifest names its files; a name that leads outside the version directory (../..,
// an absolute path, a symlink) gets the version refused, and no caller-facing message shows a
// server path or a foreign file's bytes.
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { serviceClient, type MarqueeClient } from '../../service/client.js';
import { catalogModule } from '../../service/catalog/module.js';
import { reportModule } from '../../service/report/module.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { rpcError } from '../helpers/rpc.js';

const V1 = '20240101T000000000Z-fixture1';
let dir: string;
let server: RunningServer;
let report: MarqueeClient;
let catalog: MarqueeClient;
const logLines: string[] = [];

/** A copy of the fixture version whose manifest names `files` (role -> path). */
async function version(name: string, files: Record<string, string>, prepare?: (vdir: string) => Promise<void>): Promise<void> {
  const src = path.join(dir, V1);
  const dst = path.join(dir, name);
  await cp(src, dst, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(dst, 'manifest.json'), 'utf8'));
  await writeFile(path.join(dst, 'manifest.json'), JSON.stringify({ ...manifest, version: name, files: { ...manifest.files, ...files } }));
  await prepare?.(dst);
}

async function publish(name: string): Promise<void> {
  await writeFile(path.join(dir, 'CURRENT.tmp'), `${name}\n`);
  await rename(path.join(dir, 'CURRENT.tmp'), path.join(dir, 'CURRENT'));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mq-manifest-'));
  await cp(path.join(PROJECT_ROOT, 'test', 'fixtures', 'catalog'), dir, { recursive: true });
  await version('20240102T000000000Z-escape01', { edaSummary: '../../../../x/package.json', edaReport: 'eda/report.html' });
  await version('20240103T000000000Z-abspath1', { edaSummary: '/etc/passwd', edaReport: '/etc/hostname' });
  await version('20240104T000000000Z-symlink1', { edaSummary: 'eda/summary.json', edaReport: 'eda/report.html' }, async (v) => {
    await mkdir(path.join(v, 'eda'));
    await symlink('/etc/passwd', path.join(v, 'eda', 'summary.json'));
    await writeFile(path.join(v, 'eda', 'report.html'), '<html></html>');
  });
  await version('20240105T000000000Z-catalog1', { catalog: '../../../../etc/passwd' });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  server = await startServer({
    config: loadConfig({ artifactsDir: dir, logLevel: 'info' }),
    addr: '127.0.0.1:0',
    log: pino({ level: 'info' }, sink),
    modules: [catalogModule, reportModule],
    watch: false,
  });
  report = serviceClient('marquee.v1.ReportService', [], server.addr);
  catalog = serviceClient('marquee.v1.CatalogService', [], server.addr);
});

afterAll(async () => {
  report?.close();
  catalog?.close();
  await server?.close(500);
  await rm(dir, { recursive: true, force: true });
});

describe('manifest file paths', () => {
  it.each(['20240102T000000000Z-escape01', '20240103T000000000Z-abspath1', '20240104T000000000Z-symlink1'])(
    'GetReportSummary of %s: FAILED_PRECONDITION naming the manifest entry, no path, no foreign bytes',
    async (v) => {
      const e = await rpcError(report.call('GetReportSummary', { version: v }));
      expect(e.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(e.details).toMatch(new RegExp(`version ${v} is refused: its manifest.files.edaSummary`));
      expect(e.details).not.toMatch(/root:|\/etc\/passwd:|\/tmp\/|\/work\//);
      expect(e.details).not.toContain(dir);
    },
  );

  it('a published version whose catalog entry escapes is refused at load; the old one keeps serving', async () => {
    await publish('20240105T000000000Z-catalog1');
    await expect(server.holder.loadCurrent()).rejects.toThrow(/refused: manifest.files.catalog .* points outside the version directory/);
    expect((await catalog.call('CatalogInfo', {})).version).toBe(V1);
    expect(logLines.some((l) => l.includes('catalog version failed to load') && l.includes('refused'))).toBe(true);
  });

  it('errors name settings, not the artifacts dir', async () => {
    const e = await rpcError(report.call('GetReportSummary', { version: '19990101T000000000Z-nothere1' }));
    expect(e.code).toBe(grpc.status.NOT_FOUND);
    expect(e.details).toMatch(/in MARQUEE_ARTIFACTS_DIR/);
    expect(e.details).not.toContain(dir);
  });
});

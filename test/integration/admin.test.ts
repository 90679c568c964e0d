// marquee.v1.PipelineAdmin over a real gRPC client: a real server (127.0.0.1:0) hosting the catalog
// and admin modules, a real worker process, the real Redis. A rebuild started by RPC is streamed to
// its end, and the service then serves the version it published (learned through pub/sub: the
// CURRENT file watcher is off here). Without Redis the admin RPCs answer UNAVAILABLE while the
// catalog keeps being served.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, loadConfig } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { versionDir } from '../../pipeline/artifacts/store.js';
import { STAGES } from '../../pipeline/types.js';
import { createAdminModule } from '../../service/admin/module.js';
import { catalogModule } from '../../service/catalog/module.js';
import { catalogClient, serviceClient, type MarqueeClient } from '../../service/client.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { ADMIN_ON, TEST_ADMIN_TOKEN } from '../helpers/security.js';
import { REDIS_URL, spawnWorkers, testEnv, waitFor, type SpawnedProcess, type TestEnv } from './workers-harness.js';
import { rpcError } from '../helpers/rpc.js';

const log = createLogger('test', 'silent');

function adminClient(addr: string): MarqueeClient {
  return serviceClient('marquee.v1.PipelineAdmin', ['marquee/v1/pipeline.proto'], addr, undefined, { token: TEST_ADMIN_TOKEN });
}

/** Reads a WatchRun stream to its end. */
function watchAll(c: MarqueeClient, runId: string): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const events: any[] = [];
    const stream = c.stream('WatchRun', { runId }, { deadlineMs: 120_000 });
    stream.on('data', (e: any) => events.push(e));
    stream.on('error', reject);
    stream.on('end', () => resolve(events));
  });
}

function healthCheck(addr: string, service: string): Promise<string> {
  const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as any;
  const client = new pkg.grpc.health.v1.Health(addr, grpc.credentials.createInsecure());
  return new Promise<string>((resolve, reject) =>
    client.Check({ service }, (err: grpc.ServiceError | null, res: { status: string }) => {
      client.close();
      return err ? reject(err) : resolve(res.status);
    }),
  );
}

describe('PipelineAdmin with Redis and a worker', () => {
  let env: TestEnv;
  let worker: SpawnedProcess;
  let server: RunningServer;
  let admin: MarqueeClient;
  let catalog: MarqueeClient;
  let starts: any[];
  let events: any[];

  beforeAll(async () => {
    env = await testEnv('admin');
    [worker, server] = await Promise.all([
      spawnWorkers(env.env),
      startServer({
        // the trigger side (here the service) names the input and output dirs of the runs it starts
        config: loadConfig({ artifactsDir: env.artifactsDir, dataDir: env.dataDir, redisUrl: REDIS_URL, logLevel: 'silent' }),
        addr: '127.0.0.1:0',
        log,
        modules: [catalogModule, createAdminModule({ settings: env.settings })],
        security: ADMIN_ON,
        watch: false, // only the pub/sub announcement can make it swap
      }),
    ]);
    admin = adminClient(server.addr);
    catalog = catalogClient(server.addr);
    // before anything is published: admin works (SERVING), the catalog is UNAVAILABLE
    expect(await healthCheck(server.addr, 'marquee.v1.PipelineAdmin')).toBe('SERVING');
    starts = await Promise.all([admin.call('StartRebuild', {}), admin.call('StartRebuild', {})]);
    events = await watchAll(admin, starts[0].run.runId);
  });

  afterAll(async () => {
    admin?.close();
    catalog?.close();
    await server?.close();
    await worker?.stop();
    await env?.cleanup();
  });

  it('StartRebuild twice at once: one run', () => {
    expect(starts.filter((s) => s.created)).toHaveLength(1);
    expect(starts[0].run.runId).toBe(starts[1].run.runId);
    expect(starts[0].run.trigger).toBe('rpc');
    expect(starts[0].run.dataDir).toBe(env.dataDir);
    expect(starts[0].run.artifactsDir).toBe(env.artifactsDir);
    expect(starts[0].run.stages.map((s: any) => s.name)).toEqual([...STAGES]);
  });

  it('WatchRun streams the run as it goes and ends with the completed run', () => {
    expect(events.length).toBeGreaterThan(3);
    const last = events.at(-1);
    expect(last.final).toBe(true);
    expect(events.slice(0, -1).every((e) => e.final === false)).toBe(true);
    expect(last.run.status).toBe('RUN_STATUS_COMPLETED');
    expect(last.run.publishedVersion).toBe(last.run.version);
    expect(last.run.stages.every((s: any) => s.status === 'STAGE_STATUS_COMPLETED' && s.attempt === 1)).toBe(true);
    // each stage was seen active (or done) in order: the stream follows the run, not just its end
    const order: string[] = [...STAGES];
    const firstSeenActive = order.map((name) =>
      events.findIndex((e) => e.run.stages.find((s: any) => s.name === name).status !== 'STAGE_STATUS_WAITING'),
    );
    expect(firstSeenActive).toEqual([...firstSeenActive].sort((a, b) => a - b));
    expect(events.some((e) => e.run.status === 'RUN_STATUS_RUNNING')).toBe(true);
  });

  it('the service swaps to the published version and serves it', async () => {
    const version = events.at(-1).run.publishedVersion;
    await waitFor('the service to load the new version', async () => server.holder.version === version, 15_000, 50);
    const info = await catalog.call('CatalogInfo', {});
    expect(info.version).toBe(version);
    const lines = (await readFile(path.join(versionDir(env.artifactsDir, version), 'catalog.jsonl'), 'utf8')).trim().split('\n');
    expect(info.movies).toBe(lines.length);
    const first = JSON.parse(lines[0]);
    expect((await catalog.call('GetMovie', { id: first.id })).movie.title).toBe(first.title);
    expect(await healthCheck(server.addr, '')).toBe('SERVING');
  });

  it('GetRun by id or unique prefix; ListRuns; errors for unknown and malformed ids', async () => {
    const id = starts[0].run.runId;
    const byPrefix = await admin.call('GetRun', { runId: id.slice(0, 8) });
    expect(byPrefix.run.runId).toBe(id);
    expect(byPrefix.run.status).toBe('RUN_STATUS_COMPLETED');
    expect(byPrefix.run.durationMs).toBeGreaterThan(0);
    const latest = await admin.call('GetRun', {});
    expect(latest.run.runId).toBe(id);
    const list = await admin.call('ListRuns', { limit: 5 });
    expect(list.runs.map((r: any) => r.runId)).toEqual([id]);
    expect(list.activeRunId).toBe('');

    const missing = await rpcError(admin.call('GetRun', { runId: '00000000-0000-4000-8000-000000000000' }));
    expect(missing.code).toBe(grpc.status.NOT_FOUND);
    expect(missing.details).toContain(id); // recent runs suggested
    const bad = await rpcError(admin.call('GetRun', { runId: 'not a run' }));
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    const badLimit = await rpcError(admin.call('ListRuns', { limit: 1000 }));
    expect(badLimit.code).toBe(grpc.status.INVALID_ARGUMENT);
    // a finished run watched again: one final message
    const again = await watchAll(admin, id);
    expect(again).toHaveLength(1);
    expect(again[0].final).toBe(true);
  });

  it('the ops CLI follows runs through the admin RPCs with the token (--server), and is refused without it', async () => {
    const cli = (env2: NodeJS.ProcessEnv, ...args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', 'workers/cli.ts', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env2 } });
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d));
        p.stderr.on('data', (d: Buffer) => (err += d));
        p.on('close', (code) => resolve({ code, out, err }));
      });
    const id = starts[0].run.runId as string;
    const ok = await cli({ MARQUEE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }, 'status', id.slice(0, 8), '--json', '--server', server.addr);
    expect(ok.code, ok.err).toBe(0);
    const run = JSON.parse(ok.out);
    expect(run).toMatchObject({ id, status: 'completed', publishedVersion: starts[0].run.version });
    expect(run.stages.map((s: { stage: string; status: string }) => s.status)).toEqual(STAGES.map(() => 'completed'));
    const denied = await cli({ MARQUEE_ADMIN_TOKEN: '' }, 'runs', '--server', server.addr);
    expect(denied.code).toBe(5);
    expect(denied.err).toMatch(/needs a token: send the header authorization: Bearer <MARQUEE_ADMIN_TOKEN>/);
  });
});

describe('PipelineAdmin without Redis', () => {
  let dir: string;
  let server: RunningServer;
  let admin: MarqueeClient;
  let catalog: MarqueeClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mq-noredis-'));
    await cp(path.join(PROJECT_ROOT, 'test', 'fixtures', 'catalog'), dir, { recursive: true });
    // nothing listens on port 1: connections are refused
    server = await startServer({
      config: loadConfig({ artifactsDir: dir, redisUrl: 'redis://127.0.0.1:1', logLevel: 'silent' }),
      addr: '127.0.0.1:0',
      log,
      modules: [catalogModule, createAdminModule()],
      security: ADMIN_ON,
      watch: false,
    });
    admin = adminClient(server.addr);
    catalog = catalogClient(server.addr);
  });

  afterAll(async () => {
    admin?.close();
    catalog?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('admin RPCs answer UNAVAILABLE at once, naming Redis; the catalog keeps serving', async () => {
    for (const [method, req] of [
      ['StartRebuild', {}],
      ['GetRun', {}],
      ['ListRuns', {}],
    ] as const) {
      const t0 = Date.now();
      const err = await rpcError(admin.call(method, req));
      expect(err.code, method).toBe(grpc.status.UNAVAILABLE);
      expect(err.details).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1.*unreachable.*catalog queries are not affected/);
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    const streamErr = await rpcError(watchAll(admin, ''));
    expect(streamErr.code).toBe(grpc.status.UNAVAILABLE);
    expect((await catalog.call('CatalogInfo', {})).version).toBe('20240101T000000000Z-fixture1');
    expect(await healthCheck(server.addr, '')).toBe('SERVING');
    expect(await healthCheck(server.addr, 'marquee.v1.CatalogService')).toBe('SERVING');
  });
});

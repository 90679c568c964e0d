// Zero-downtime swap, end to end: the service serves version 1 while clients call it without pause;
// a queued rebuild (real worker process) publishes version 2 and announces it on Redis pub/sub; the
// service loads it in the background and swaps. No call fails, health stays SERVING, and each client
// moves from version 1 to version 2 once and never back.
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, loadConfig } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { readCurrent } from '../../pipeline/artifacts/store.js';
import { createAdminModule } from '../../service/admin/module.js';
import { catalogModule } from '../../service/catalog/module.js';
import { catalogClient, type MarqueeClient } from '../../service/client.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { ADMIN_ON } from '../helpers/security.js';
import type { RunRecord } from '../../workers/runs.js';
import { REDIS_URL, runToEnd, spawnWorkers, testEnv, waitFor, type SpawnedProcess, type TestEnv } from './workers-harness.js';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const V1 = '20240101T000000000Z-fixture1';

describe('hot swap on publish under continuous calls', () => {
  let env: TestEnv;
  let worker: SpawnedProcess;
  let server: RunningServer;
  const clients: MarqueeClient[] = [];
  const seen: string[][] = [];
  const health = new Set<string>();
  const failures: string[] = [];
  let calls = 0;
  let run: RunRecord;

  beforeAll(async () => {
    env = await testEnv('swap');
    // version 1: the handmade fixture catalog, published
    await cp(path.join(PROJECT_ROOT, 'test', 'fixtures', 'catalog'), env.artifactsDir, { recursive: true });
    [worker, server] = await Promise.all([
      spawnWorkers(env.env),
      startServer({
        config: loadConfig({ artifactsDir: env.artifactsDir, redisUrl: REDIS_URL, logLevel: 'silent' }),
        addr: '127.0.0.1:0',
        log: createLogger('test', 'silent'),
        modules: [catalogModule, createAdminModule({ settings: env.settings })],
        security: ADMIN_ON,
        watch: false, // the swap can only come from the publish announcement
      }),
    ]);
    expect(server.holder.version).toBe(V1);

    let stop = false;
    const loops = Array.from({ length: 4 }, async (_, i) => {
      const c = catalogClient(server.addr);
      clients.push(c);
      const versions: string[] = [];
      seen.push(versions);
      while (!stop) {
        try {
          const [info, month] = await Promise.all([c.call('CatalogInfo', {}), c.call('ReleasesByMonth', { month: i % 2 ? 'marzo' : '12' })]);
          if (versions.at(-1) !== info.version) versions.push(info.version);
          expect(month.count).toBeGreaterThanOrEqual(0);
          calls++;
        } catch (err) {
          failures.push(String((err as Error).message));
        }
      }
    });
    const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
    const hc = new (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health(server.addr, grpc.credentials.createInsecure());
    const watchHealth = (async () => {
      while (!stop) {
        health.add(
          await new Promise<string>((resolve) => hc.Check({ service: '' }, (err: Error | null, res: { status: string }) => resolve(err ? `error: ${err.message}` : res.status))),
        );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    try {
      await waitFor('calls on version 1', async () => calls > 20, 10_000, 20);
      const { run: started } = await env.orch.startRebuild('cli');
      run = await runToEnd(env.orch, started.id);
      await waitFor('the swap', async () => server.holder.version === run.publishedVersion, 15_000, 20);
      // keep calling a little after the swap
      const after = calls;
      await waitFor('calls on version 2', async () => calls > after + 20, 10_000, 20);
    } finally {
      stop = true;
      await Promise.all([...loops, watchHealth]);
      hc.close();
    }
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close();
    await worker?.stop();
    await env?.cleanup();
  });

  it('publishes version 2 and the service swaps to it', async () => {
    expect(run.status, run.error).toBe('completed');
    expect(await readCurrent(env.artifactsDir)).toBe(run.version);
    expect(server.holder.version).toBe(run.version);
  });

  it('no call failed, and every client went from version 1 to version 2 exactly once', () => {
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(40);
    for (const versions of seen) expect(versions).toEqual([V1, run.version]);
  });

  it('health stayed SERVING throughout', () => {
    expect([...health]).toEqual(['SERVING']);
  });
});

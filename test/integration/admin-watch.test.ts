// WatchRun streams cancelled early (or with a tiny deadline) must not leave server-side loops
// polling Redis. Counted from the server's own state (the admin module's open watch loops).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../pipeline/log.js';
import { createAdminModule, type AdminModule } from '../../service/admin/module.js';
import { serviceClient, type MarqueeClient } from '../../service/client.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { ADMIN_ON, TEST_ADMIN_TOKEN } from '../helpers/security.js';
import { testEnv, type TestEnv } from './workers-harness.js';

let env: TestEnv;
let server: RunningServer;
let admin: AdminModule;
let client: MarqueeClient;
let runId: string;

beforeAll(async () => {
  env = await testEnv('watch');
  admin = createAdminModule({ settings: env.settings, swapOnPublish: false });
  server = await startServer({ config: env.config, addr: '127.0.0.1:0', log: createLogger('test', 'silent'), modules: [admin], watch: false, security: ADMIN_ON });
  client = serviceClient('marquee.v1.PipelineAdmin', [], server.addr, undefined, { token: TEST_ADMIN_TOKEN });
  // no workers: the run stays queued, so a watch never ends by itself
  runId = (await client.call('StartRebuild', {})).run.runId;
});

afterAll(async () => {
  client?.close();
  await server?.close(500);
  await env?.cleanup();
});

async function settle(): Promise<number> {
  for (let i = 0; i < 40 && admin.activeWatches() > 0; i++) await new Promise((r) => setTimeout(r, 100));
  return admin.activeWatches();
}

describe('WatchRun cancellation', () => {
  it('an open watch holds one loop; cancelling it releases the loop', async () => {
    const s = client.stream('WatchRun', { runId });
    s.on('error', () => undefined);
    await new Promise<void>((resolve) => s.once('data', () => resolve()));
    expect(admin.activeWatches()).toBe(1);
    s.cancel();
    expect(await settle()).toBe(0);
  });

  it('300 streams cancelled while the server is still looking the run up leave no loop behind', async () => {
    // Redis paused: every WatchRun handler is stuck in its first await (the run lookup) when its
    // client cancels, the window in which a late listener misses the cancellation
    await env.redis.call('CLIENT', 'PAUSE', '600', 'ALL');
    const delays = [100, 150, 200, 250];
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const s = client.stream('WatchRun', { runId });
        return new Promise<void>((resolve) => {
          s.on('error', () => resolve());
          s.on('end', () => resolve());
          s.on('data', () => undefined);
          setTimeout(() => s.cancel(), delays[i % delays.length]);
        });
      }),
    );
    expect(await settle()).toBe(0);
  });

  it('100 streams with a 1 ms deadline leave no loop behind', async () => {
    const codes = await Promise.all(
      Array.from({ length: 100 }, () => {
        const s = client.stream('WatchRun', { runId }, { deadlineMs: 1 });
        return new Promise<number>((resolve) => {
          s.on('error', (e: grpc.ServiceError) => resolve(e.code));
          s.on('data', () => undefined);
          s.on('end', () => resolve(grpc.status.OK));
        });
      }),
    );
    expect(codes.every((c) => c === grpc.status.DEADLINE_EXCEEDED)).toBe(true);
    expect(await settle()).toBe(0);
  });
});

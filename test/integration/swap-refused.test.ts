// A swap that would not fit in the heap beside the served version is refused with a log line that
// names what to change, and the service keeps answering from the old version, SERVING throughout.
import { cp, readFile, writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PROJECT_ROOT, loadConfig } from '../../pipeline/config.js';
import { catalogModule } from '../../service/catalog/module.js';
import { catalogClient } from '../../service/client.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { SwapRefusedError } from '../../service/state.js';

const V1 = '20240101T000000000Z-fixture1';
const V2 = '20240102T000000000Z-fixture2';

describe('a swap that does not fit', () => {
  let dir: string;
  let server: RunningServer;
  const lines: { level: number; msg: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mq-swap-refused-'));
    await cp(path.join(PROJECT_ROOT, 'test', 'fixtures', 'catalog'), dir, { recursive: true });
    // version 2: the same catalog under a newer name
    await cp(path.join(dir, V1), path.join(dir, V2), { recursive: true });
    const mf = path.join(dir, V2, 'manifest.json');
    await writeFile(mf, (await readFile(mf, 'utf8')).replaceAll(V1, V2));
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    server = await startServer({
      config: loadConfig({ artifactsDir: dir, logLevel: 'info' }),
      addr: '127.0.0.1:0',
      log: pino({ level: 'info' }, sink),
      modules: [catalogModule],
      watch: false,
      // nothing may be loaded beside the served version: every swap is refused
      swapHeapHeadroom: 0.9999,
    });
  });

  afterAll(async () => {
    await server?.close(500);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses version 2, keeps serving version 1, and says why', async () => {
    expect(server.holder.version).toBe(V1);
    await expect(server.holder.load(V2)).rejects.toBeInstanceOf(SwapRefusedError);
    expect(server.holder.version).toBe(V1);
    const c = catalogClient(server.addr);
    try {
      const info = await c.call('CatalogInfo', {});
      expect(info.version).toBe(V1);
    } finally {
      c.close();
    }
    const refusal = lines.find((l) => l.level >= 50 && /needs about \d+ MB of heap/.test(l.msg));
    expect(refusal?.msg).toMatch(new RegExp(`keeping ${V1}`));
    expect(refusal?.msg).toMatch(/--max-old-space-size/);
  });
});

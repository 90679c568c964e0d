// Tokens and TLS on a real server (fixture catalog), checked with grpc-js clients and with buf curl.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { createAdminModule } from '../../service/admin/module.js';
import { catalogClient, serviceClient, type ClientAuth } from '../../service/client.js';
import { catalogModule } from '../../service/catalog/module.js';
import { authorize, bearerToken } from '../../service/security/auth.js';
import { loadSecuritySettings, NO_SECURITY, type SecuritySettings } from '../../service/security/settings.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { bufCurl, parseBufError, parseBufJson } from '../helpers/buf-curl.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { rpcError } from '../helpers/rpc.js';
import { TEST_ADMIN_TOKEN, TEST_READ_TOKEN } from '../helpers/security.js';

const log = createLogger('test', 'silent');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mq-sec-'));
  await cp(path.join(PROJECT_ROOT, 'test', 'fixtures', 'catalog'), dir, { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function start(security: SecuritySettings): Promise<RunningServer> {
  return startServer({
    // Redis on port 1 refuses: an admin call that passes the check answers UNAVAILABLE, not a token error
    config: loadConfig({ artifactsDir: dir, redisUrl: 'redis://127.0.0.1:1', logLevel: 'silent' }),
    addr: '127.0.0.1:0',
    log,
    modules: [catalogModule, createAdminModule({ swapOnPublish: false })],
    watch: false,
    security,
  });
}

const both: SecuritySettings = { ...NO_SECURITY, auth: { ...NO_SECURITY.auth, adminToken: TEST_ADMIN_TOKEN, readToken: TEST_READ_TOKEN } };

function healthCheck(addr: string, auth: ClientAuth = {}) {
  const c = serviceClient('grpc.health.v1.Health', [], addr, undefined, auth);
  return c.call('Check', { service: '' }).finally(() => c.close());
}

describe('bearer tokens', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start(both);
  });
  afterAll(async () => {
    await server?.close(500);
  });

  it('queries: UNAUTHENTICATED without a token, PERMISSION_DENIED with a wrong one, OK with the read or admin token', async () => {
    const call = (token?: string) => {
      const c = catalogClient(server.addr, undefined, { token });
      return c.call('TitleScore', { title: 'Toy Story' }).finally(() => c.close());
    };
    const missing = await rpcError(call());
    expect(missing.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(missing.details).toMatch(/authorization: Bearer <MARQUEE_READ_TOKEN/);
    expect((await rpcError(call('not-the-token-0000000000'))).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await call(TEST_READ_TOKEN)).title).toBe('Toy Story');
    expect((await call(TEST_ADMIN_TOKEN)).title).toBe('Toy Story');
  });

  it('admin RPCs: the read token is not enough; the admin token passes (Redis being down is then the answer)', async () => {
    const call = (token?: string) => {
      const c = serviceClient('marquee.v1.PipelineAdmin', [], server.addr, undefined, { token });
      return c.call('ListRuns', {}).finally(() => c.close());
    };
    expect((await rpcError(call())).code).toBe(grpc.status.UNAUTHENTICATED);
    const ro = await rpcError(call(TEST_READ_TOKEN));
    expect(ro.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(ro.details).toMatch(/read token cannot call admin RPCs/);
    expect((await rpcError(call(TEST_ADMIN_TOKEN))).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('health and reflection stay open', async () => {
    expect((await healthCheck(server.addr)).status).toBe('SERVING');
    const r = await bufCurl(['--list-services', `http://127.0.0.1:${server.port}`]);
    expect(r.stdout).toContain('marquee.v1.CatalogService');
  });

  it('buf curl sends the token as a header', async () => {
    const url = `http://127.0.0.1:${server.port}/marquee.v1.CatalogService/TitleScore`;
    expect(parseBufError(await bufCurl(['-d', '{"title":"Toy Story"}', url])).code).toBe('unauthenticated');
    expect(parseBufJson(await bufCurl(['-H', `authorization: Bearer ${TEST_READ_TOKEN}`, '-d', '{"title":"Toy Story"}', url])).id).toBe(862);
  });
});

describe('admin RPCs without MARQUEE_ADMIN_TOKEN', () => {
  it('are off, never open: PERMISSION_DENIED naming the setting, whatever the token', async () => {
    const server = await start(NO_SECURITY);
    try {
      for (const token of [undefined, 'anything-at-all-000000']) {
        const c = serviceClient('marquee.v1.PipelineAdmin', [], server.addr, undefined, { token });
        const e = await rpcError(c.call('StartRebuild', {}));
        c.close();
        expect(e.code).toBe(grpc.status.PERMISSION_DENIED);
        expect(e.details).toMatch(/turned off: start the service with MARQUEE_ADMIN_TOKEN/);
      }
      // queries stay open without a read token
      const q = catalogClient(server.addr);
      expect((await q.call('TitleScore', { title: 'Toy Story' })).id).toBe(862);
      q.close();
    } finally {
      await server.close(500);
    }
  });

  it('MARQUEE_OPEN_SERVICES=none puts health and reflection behind the read token', async () => {
    const closed = loadSecuritySettings({ MARQUEE_READ_TOKEN: TEST_READ_TOKEN, MARQUEE_OPEN_SERVICES: 'none' });
    const server = await start(closed);
    try {
      expect((await rpcError(healthCheck(server.addr))).code).toBe(grpc.status.UNAUTHENTICATED);
      expect((await healthCheck(server.addr, { token: TEST_READ_TOKEN })).status).toBe('SERVING');
    } finally {
      await server.close(500);
    }
  });
});

describe('authorize (the rule both listeners use)', () => {
  it('reads "Bearer <token>" case-insensitively and refuses other schemes', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBe('');
    expect(bearerToken(undefined)).toBeNull();
    expect(authorize('/marquee.v1.CatalogService/TitleScore', 'Basic xyz', both.auth)?.reason).toBe('TOKEN_MALFORMED');
  });

  it('rejects settings that would weaken it', () => {
    expect(() => loadSecuritySettings({ MARQUEE_ADMIN_TOKEN: 'short' })).toThrow(/too short/);
    expect(() => loadSecuritySettings({ MARQUEE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, MARQUEE_READ_TOKEN: TEST_ADMIN_TOKEN })).toThrow(/equals/);
    expect(() => loadSecuritySettings({ MARQUEE_OPEN_SERVICES: 'catalog' })).toThrow(/unknown service/);
  });
});

describe('TLS and mutual TLS', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(async () => {
    await rm(certs.dir, { recursive: true, force: true });
  });

  it('TLS: a TLS client connects, a plaintext client does not, buf curl verifies the chain', async () => {
    const s = loadSecuritySettings({ MARQUEE_TLS_CERT: certs.files.serverCert, MARQUEE_TLS_KEY: certs.files.serverKey });
    const server = await start(s);
    try {
      const tlsClient = catalogClient(`localhost:${server.port}`, undefined, { tls: { ca: certs.ca } });
      expect((await tlsClient.call('TitleScore', { title: 'Toy Story' })).id).toBe(862);
      tlsClient.close();
      const plain = catalogClient(`127.0.0.1:${server.port}`);
      expect((await rpcError(plain.call('TitleScore', { title: 'Toy Story' }, { deadlineMs: 3000 }))).code).toBe(grpc.status.UNAVAILABLE);
      plain.close();
      const ok = await bufCurl(['--cacert', certs.files.ca, '-d', '{"title":"Toy Story"}', `https://localhost:${server.port}/marquee.v1.CatalogService/TitleScore`], { protocolArgs: ['--protocol', 'grpc'] });
      expect(parseBufJson(ok).id).toBe(862);
      const untrusted = await bufCurl(['-v', '--cacert', certs.files.otherCa, '-d', '{}', `https://localhost:${server.port}/marquee.v1.CatalogService/CatalogInfo`], { protocolArgs: ['--protocol', 'grpc'] });
      expect(untrusted.exitCode).not.toBe(0);
      expect(untrusted.stderr).toMatch(/x509|certificate/i);
    } finally {
      await server.close(500);
    }
  });

  it('mutual TLS: a client without a certificate is refused, one with a certificate signed by the CA is served', async () => {
    const s = loadSecuritySettings({
      MARQUEE_TLS_CERT: certs.files.serverCert,
      MARQUEE_TLS_KEY: certs.files.serverKey,
      MARQUEE_TLS_CLIENT_CA: certs.files.ca,
    });
    const server = await start(s);
    try {
      const anon = catalogClient(`localhost:${server.port}`, undefined, { tls: { ca: certs.ca } });
      expect((await rpcError(anon.call('CatalogInfo', {}, { deadlineMs: 3000 }))).code).toBe(grpc.status.UNAVAILABLE);
      anon.close();
      const withCert = catalogClient(`localhost:${server.port}`, undefined, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
      expect((await withCert.call('TitleScore', { title: 'Toy Story' })).id).toBe(862);
      withCert.close();
      const buf = await bufCurl(
        ['--cacert', certs.files.ca, '--cert', certs.files.clientCert, '--key', certs.files.clientKey, '-d', '{"title":"Toy Story"}', `https://localhost:${server.port}/marquee.v1.CatalogService/TitleScore`],
        { protocolArgs: ['--protocol', 'grpc'] },
      );
      expect(parseBufJson(buf).id).toBe(862);
    } finally {
      await server.close(500);
    }
  });
});

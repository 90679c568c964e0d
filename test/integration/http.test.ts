// The HTTP/JSON listener as its users see it, on the real shared catalog: every RPC with a plain
// POST (fetch, as curl does it) and with `buf curl --protocol connect` (Go, an independent Connect
// client), each answer equal to the same call over gRPC (buf curl --protocol grpc); errors with
// their codes and details; the page's routes; tokens, TLS and mutual TLS as for gRPC; and
// /metrics read by a Prometheus text-format parser, showing the calls just made.
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { createAdminModule } from '../../service/admin/module.js';
import { suggestionsOf } from '../../service/errors.js';
import { MODULES } from '../../service/modules.js';
import { descriptors } from '../../service/protocol/descriptors.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { NO_SECURITY, type SecuritySettings } from '../../service/security/settings.js';
import { serviceClient } from '../../service/client.js';
import { bufCurl, parseBufError, parseBufJson } from '../helpers/buf-curl.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { family, parsePrometheus, sampleValue, type Family } from '../helpers/prometheus.js';
import { connectStream, postJson, tlsAgent } from '../helpers/connect-http.js';
import { EVERY_RPC } from '../helpers/every-rpc.js';
import { realArtifacts } from '../helpers/real-artifacts.js';
import { ADMIN_ON, TEST_ADMIN_TOKEN, TEST_READ_TOKEN } from '../helpers/security.js';
import { REDIS_URL, testEnv, type TestEnv } from './workers-harness.js';

const DESCRIPTOR_SET = path.join(PROJECT_ROOT, 'proto', 'descriptors.binpb');
let artifactsDir: string;
let env: TestEnv;

async function start(security: SecuritySettings): Promise<RunningServer> {
  return startServer({
    config: loadConfig({ artifactsDir, redisUrl: REDIS_URL, logLevel: 'silent' }),
    addr: '127.0.0.1:0',
    http: { addr: '127.0.0.1:0' },
    log: createLogger('test', 'silent'),
    watch: false,
    security,
    modules: MODULES.map((m) => (m.serviceName === 'marquee.v1.PipelineAdmin' ? createAdminModule({ settings: env.settings, swapOnPublish: false }) : m)),
  });
}

beforeAll(async () => {
  artifactsDir = await realArtifacts();
  env = await testEnv('http');
});

afterAll(async () => {
  await env?.cleanup();
});

const isAdmin = (method: string) => method.startsWith('marquee.v1.PipelineAdmin/');
const UNARY = Object.entries(EVERY_RPC).filter(([m, r]) => !r.stream && !m.startsWith('grpc.reflection.'));
const STREAMS = Object.entries(EVERY_RPC).filter(([, r]) => r.stream);

/** Fields that legitimately differ between two calls made a moment apart. */
function stable(method: string, v: any): any {
  if (!isAdmin(method)) return v;
  return JSON.parse(JSON.stringify(v), (k, x) => (['durationMs', 'startedAt', 'finishedAt', 'stages', 'progress', 'created'].includes(k) ? undefined : x));
}

describe('every RPC over HTTP/JSON, equal to gRPC', () => {
  let server: RunningServer;
  let http: string;
  let grpcUrl: string;

  beforeAll(async () => {
    server = await start(ADMIN_ON);
    http = `http://127.0.0.1:${server.http!.port}`;
    grpcUrl = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.close(1000));

  it('serves every method the gRPC server hosts but the reflection streams', async () => {
    const routes = server.routes.map((r) => `${r.service}/${r.name}`).sort();
    const expected = Object.keys(EVERY_RPC).filter((m) => !m.startsWith('grpc.reflection.')).sort();
    expect(routes).toEqual(expected);
  });

  it.each(UNARY)('%s: fetch and buf curl --protocol connect answer what gRPC answers', async (method, { data }) => {
    const auth = isAdmin(method) ? ['-H', `authorization: Bearer ${TEST_ADMIN_TOKEN}`] : [];
    const viaGrpc = parseBufJson(await bufCurl([...auth, '-d', data, `${grpcUrl}/${method}`]));
    const viaFetch = await postJson(http, method, JSON.parse(data), { token: isAdmin(method) ? TEST_ADMIN_TOKEN : undefined });
    expect(viaFetch.status, viaFetch.text).toBe(200);
    expect(viaFetch.headers.get('content-type')).toBe('application/json');
    const viaConnect = parseBufJson(await bufCurl(['--protocol', 'connect', '--schema', DESCRIPTOR_SET, ...auth, '-d', data, `${http}/${method}`]));
    expect(stable(method, viaFetch.body)).toEqual(stable(method, viaGrpc));
    expect(stable(method, viaConnect)).toEqual(stable(method, viaGrpc));
  });

  it.each(STREAMS)('%s streams its first message over Connect as over gRPC', async (method, { data }) => {
    const token = isAdmin(method) ? TEST_ADMIN_TOKEN : undefined;
    const viaFetch = await connectStream(http, method, JSON.parse(data), { token, maxMessages: 1, timeoutMs: 5000 });
    expect(viaFetch.status).toBe(200);
    expect(viaFetch.messages.length, JSON.stringify(viaFetch.end)).toBeGreaterThanOrEqual(1);
    const auth = token ? ['-H', `authorization: Bearer ${token}`] : [];
    const viaGrpc = await bufCurl(['--timeout', '2s', ...auth, '-d', data, `${grpcUrl}/${method}`]);
    const first = JSON.parse(viaGrpc.stdout.trim().split(/\n(?=\{)/)[0]);
    expect(stable(method, viaFetch.messages[0])).toEqual(stable(method, first));
    const viaConnect = await bufCurl(['--protocol', 'connect', '--schema', DESCRIPTOR_SET, '--timeout', '2s', ...auth, '-d', data, `${http}/${method}`]);
    expect(stable(method, JSON.parse(viaConnect.stdout.trim().split(/\n(?=\{)/)[0]))).toEqual(stable(method, first));
  });

  it('binary protobuf works too (Content-Type: application/proto)', async () => {
    const c = serviceClient('marquee.v1.CatalogService', [], `127.0.0.1:${server.port}`);
    const grpcAnswer = await c.call('TitleScore', { title: 'Heat' });
    c.close();
    const schema = descriptors().registry.getMessage('marquee.v1.TitleScoreRequest')!;
    const { toBinary, create } = await import('@bufbuild/protobuf');
    const res = await undiciFetch(`${http}/marquee.v1.CatalogService/TitleScore`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: toBinary(schema, create(schema, { title: 'Heat' } as never)),
    });
    expect(res.status).toBe(200);
    const out = fromBinary(descriptors().registry.getMessage('marquee.v1.TitleScoreResponse')!, new Uint8Array(await res.arrayBuffer())) as any;
    expect({ id: out.id, title: out.title }).toEqual({ id: grpcAnswer.id, title: grpcAnswer.title });
  });

  describe('errors: the same codes, messages and details as gRPC', () => {
    it('an unknown title is 404 not_found with the gRPC message, reason and suggestions', async () => {
      const r = await postJson(http, 'marquee.v1.CatalogService/TitleScore', { title: 'Toy Stroy' });
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('not_found');
      const c = serviceClient('marquee.v1.CatalogService', [], `127.0.0.1:${server.port}`);
      const err = (await c.call('TitleScore', { title: 'Toy Stroy' }).catch((e: grpc.ServiceError) => e)) as grpc.ServiceError;
      c.close();
      expect(err.code).toBe(grpc.status.NOT_FOUND);
      expect(r.body.message).toBe(err.details);
      const info = descriptors().registry.getMessage('google.rpc.ErrorInfo')!;
      const detail = r.body.details.find((d: { type: string }) => d.type === 'google.rpc.ErrorInfo');
      const decoded = fromBinary(info, Buffer.from(detail.value, 'base64')) as any;
      expect(decoded.reason).toBe('TITLE_NOT_FOUND');
      expect(decoded.domain).toBe('marquee.v1');
      const suggestions = Object.keys(decoded.metadata)
        .sort((a, b) => Number(a.split('_')[1]) - Number(b.split('_')[1]))
        .map((k) => decoded.metadata[k]);
      expect(suggestions).toEqual(suggestionsOf(err));
      expect(suggestions).toContain('Toy Story');
      // and an independent Connect client reads the same
      const b = parseBufError(await bufCurl(['--protocol', 'connect', '--schema', DESCRIPTOR_SET, '-d', '{"title":"Toy Stroy"}', `${http}/marquee.v1.CatalogService/TitleScore`]));
      expect(b.code).toBe('not_found');
      expect(b.message).toBe(err.details);
    });

    it('a bad argument is 400 invalid_argument naming the argument', async () => {
      const r = await postJson(http, 'marquee.v1.CatalogService/ReleasesByMonth', { month: 'Brumaire' });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('invalid_argument');
      expect(r.body.message).toMatch(/month/i);
    });

    it('a misspelt field, a wrong type and broken JSON are invalid_argument, never internal', async () => {
      const misspelt = await postJson(http, 'marquee.v1.CatalogService/TitleScore', { titel: 'Heat' });
      expect(misspelt.status).toBe(400);
      expect(misspelt.body.message).toMatch(/titel/);
      const wrongType = await postJson(http, 'marquee.v1.RecommendService/SimilarMovies', { id: 'eight hundred' });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.code).toBe('invalid_argument');
      const broken = await postJson(http, 'marquee.v1.CatalogService/TitleScore', null, { raw: '{"title": "Heat"' });
      expect(broken.status).toBe(400);
      expect(broken.body.code).toBe('invalid_argument');
    });

    it('malformed binary bytes are invalid_argument, as over gRPC', async () => {
      const r = await postJson(http, 'marquee.v1.CatalogService/TitleScore', null, { raw: new Uint8Array([0x0a, 0x02, 0xc3, 0x28]), contentType: 'application/proto' });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('invalid_argument');
      expect(r.body.message).toMatch(/could not be decoded/);
    });

    it('an unknown method or path is 404 with directions; GET on an RPC is refused', async () => {
      const unknown = await postJson(http, 'marquee.v1.CatalogService/NoSuchThing', {});
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toMatch(/POST \/<package\.Service>\/<Method>/);
      const get = await undiciFetch(`${http}/marquee.v1.CatalogService/TitleScore`);
      expect(get.status).toBeGreaterThanOrEqual(400);
      expect(get.status).toBeLessThan(500);
    });

    it('an admin RPC without a token is 401 unauthenticated, as over gRPC', async () => {
      const r = await postJson(http, 'marquee.v1.PipelineAdmin/ListRuns', {});
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthenticated');
    });
  });

  it('serves the page, the EDA report of the served version and nothing else by GET', async () => {
    const page = await undiciFetch(`${http}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toMatch(/<div id="app">/);
    const report = await undiciFetch(`${http}/report`);
    expect(report.status).toBe(200);
    expect(report.url).toMatch(/\/report\/$/);
    expect(report.headers.get('x-marquee-version')).toBe(server.holder.version);
    const html = await report.text();
    expect(html).toMatch(/<html/i);
    // the report's own link to its numbers resolves under /report/
    expect(html).toMatch(/href="summary\.json"/);
    const summary = await undiciFetch(`${http}/report/summary.json`);
    expect(summary.status).toBe(200);
    expect(((await summary.json()) as { catalog: { movies: number } }).catalog.movies).toBe(server.holder.peek()!.movies.length);
    const missing = await undiciFetch(`${http}/etc/passwd`);
    expect(missing.status).toBe(404);
  });

  it('/metrics parses as Prometheus text and counts the calls just made, per protocol and code', async () => {
    const calls = (fs: Family[], code: string, protocol: string) =>
      sampleValue(fs, 'marquee_rpc_calls_total', { method: '/marquee.v1.CatalogService/TitleVotes', protocol, code }) ?? 0;
    const before = await metricsOf(http);
    for (let i = 0; i < 3; i++) expect((await postJson(http, 'marquee.v1.CatalogService/TitleVotes', { title: 'Heat' })).status).toBe(200);
    expect((await postJson(http, 'marquee.v1.CatalogService/TitleVotes', { title: 'Heaat Zzz' })).status).toBe(404);
    const c = serviceClient('marquee.v1.CatalogService', [], `127.0.0.1:${server.port}`);
    await c.call('TitleVotes', { title: 'Heat' });
    await c.call('TitleVotes', { title: 'Heat' });
    c.close();
    const after = await metricsOf(http);
    expect(calls(after, 'OK', 'http') - calls(before, 'OK', 'http')).toBe(3);
    expect(calls(after, 'NOT_FOUND', 'http') - calls(before, 'NOT_FOUND', 'http')).toBe(1);
    expect(calls(after, 'OK', 'grpc') - calls(before, 'OK', 'grpc')).toBe(2);
    expect(family(after, 'marquee_rpc_duration_seconds')?.type).toBe('histogram');
    const observed = (fs: Family[]) =>
      sampleValue(fs, 'marquee_rpc_duration_seconds_count', { method: '/marquee.v1.CatalogService/TitleVotes', protocol: 'http', code: 'OK' }) ?? 0;
    expect(observed(after) - observed(before)).toBe(3);
    expect(sampleValue(after, 'marquee_catalog_info', { version: server.holder.version! })).toBe(1);
    expect(sampleValue(after, 'marquee_catalog_movies', {})).toBe(server.holder.peek()!.movies.length);
    expect(sampleValue(after, 'marquee_service_process_resident_memory_bytes', {})).toBeGreaterThan(0);
    expect(sampleValue(after, 'marquee_http_request_duration_seconds_count', { route: '/marquee.v1.CatalogService/TitleVotes', method: 'POST', status: '404' })).toBeGreaterThanOrEqual(1);
  });
});

describe('tokens over HTTP: the same rules as gRPC', () => {
  let server: RunningServer;
  let http: string;
  beforeAll(async () => {
    server = await start({ ...NO_SECURITY, auth: { ...NO_SECURITY.auth, adminToken: TEST_ADMIN_TOKEN, readToken: TEST_READ_TOKEN } });
    http = `http://127.0.0.1:${server.http!.port}`;
  });
  afterAll(() => server?.close(1000));

  it('queries need the read (or admin) token; admin RPCs need the admin token', async () => {
    const q = 'marquee.v1.CatalogService/TitleScore';
    expect((await postJson(http, q, { title: 'Heat' })).status).toBe(401);
    expect((await postJson(http, q, { title: 'Heat' }, { token: 'wrong-token-0123456789' })).status).toBe(403);
    expect((await postJson(http, q, { title: 'Heat' }, { token: TEST_READ_TOKEN })).status).toBe(200);
    expect((await postJson(http, q, { title: 'Heat' }, { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    const a = 'marquee.v1.PipelineAdmin/ListRuns';
    const readOnly = await postJson(http, a, {}, { token: TEST_READ_TOKEN });
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.message).toMatch(/read token cannot call admin RPCs/);
    expect((await postJson(http, a, {}, { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    // health stays open for load balancers, as on the gRPC port
    expect((await postJson(http, 'grpc.health.v1.Health/Check', {})).status).toBe(200);
  });

  it('/metrics and /report need the read token when one is configured', async () => {
    expect((await undiciFetch(`${http}/metrics`)).status).toBe(401);
    expect((await undiciFetch(`${http}/metrics`, { headers: { authorization: `Bearer ${TEST_READ_TOKEN}` } })).status).toBe(200);
    expect((await undiciFetch(`${http}/report/`)).status).toBe(401);
  });

  it('the queue dashboard takes the admin token as a header or as the session cookie, and nothing else', async () => {
    const page = await undiciFetch(`${http}/admin/queues`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(await page.text()).toMatch(/needs the admin token/);
    const withRead = await undiciFetch(`${http}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TEST_READ_TOKEN}` } });
    expect(withRead.status).toBe(403);
    const withHeader = await undiciFetch(`${http}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(withHeader.status).toBe(200);
    const queues = ((await withHeader.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(queues).toEqual(expect.arrayContaining(['extract', 'transform', 'embed', 'publish', 'rebuild']));
    // the dashboard shows the queues the admin RPCs use: a queued run's extract job is there
    const started = await postJson(http, 'marquee.v1.PipelineAdmin/StartRebuild', {}, { token: TEST_ADMIN_TOKEN });
    const runId = started.body.run.runId as string;
    const api = await undiciFetch(`${http}/admin/queues/api/queues?activeQueue=extract&status=waiting&page=1`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const extract = ((await api.json()) as { queues: { name: string; jobs: { id: string }[] }[] }).queues.find((q) => q.name === 'extract')!;
    expect(extract.jobs.map((j) => j.id)).toContain(`${runId}-extract`);

    expect((await undiciFetch(`${http}/admin/session`, { method: 'POST', headers: { authorization: `Bearer ${TEST_READ_TOKEN}` } })).status).toBe(403);
    const session = await undiciFetch(`${http}/admin/session`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(session.status).toBe(204);
    const cookie = session.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin/);
    const jar = cookie.split(';')[0];
    const viaCookie = await undiciFetch(`${http}/admin/queues`, { headers: { cookie: jar, accept: 'text/html' } });
    expect(viaCookie.status).toBe(200);
    expect(await viaCookie.text()).toMatch(/<html/i);
    // a forged or altered cookie is refused
    const forged = jar.replace(/=(\d)/, (_m, d: string) => `=${(Number(d) + 1) % 10}`);
    expect((await undiciFetch(`${http}/admin/queues/api/queues`, { headers: { cookie: forged } })).status).toBe(401);
  });
});

describe('TLS and mutual TLS on the HTTP listener', () => {
  let certs: TestCerts;
  let server: RunningServer;
  let https: string;
  beforeAll(async () => {
    certs = makeCerts();
    server = await start({ ...ADMIN_ON, tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca } });
    https = `https://127.0.0.1:${server.http!.port}`;
  });
  afterAll(() => server?.close(1000));

  it('answers a client with a certificate from the configured CA', async () => {
    const r = await postJson(https, 'marquee.v1.CatalogService/TitleScore', { title: 'Heat' }, { dispatcher: tlsAgent(certs.ca, { cert: certs.clientCert, key: certs.clientKey }) });
    expect(r.status).toBe(200);
    expect(r.body.title).toBe('Heat');
    // buf curl too, over HTTP/2 (ALPN) with the Connect protocol
    const b = await bufCurl(
      ['--protocol', 'connect', '--schema', DESCRIPTOR_SET, '--cacert', certs.files.ca, '--cert', certs.files.clientCert, '--key', certs.files.clientKey, '-d', '{"title":"Heat"}', `${https}/marquee.v1.CatalogService/TitleScore`],
      { protocolArgs: [] },
    );
    expect(parseBufJson(b).title).toBe('Heat');
  });

  it('refuses a client without a certificate, and plaintext', async () => {
    await expect(postJson(https, 'marquee.v1.CatalogService/TitleScore', { title: 'Heat' }, { dispatcher: tlsAgent(certs.ca) })).rejects.toThrow();
    await expect(postJson(`http://127.0.0.1:${server.http!.port}`, 'marquee.v1.CatalogService/TitleScore', { title: 'Heat' })).rejects.toThrow();
  });
});

// ------------------------------------------------------------------ Prometheus text

async function metricsOf(base: string): Promise<Family[]> {
  const res = await undiciFetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

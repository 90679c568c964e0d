// Reflection as real, independent clients see it: `buf curl` (Go, protobuf-go's strict descriptor
// builder) driven through reflection alone, and @bufbuild/protobuf's registry over every served
// file. Also: malformed request bytes answer INVALID_ARGUMENT on every service, health and
// reflection included. Real server on the real shared catalog.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';
import { createAdminModule } from '../../service/admin/module.js';
import { MODULES } from '../../service/modules.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { bufCurl, parseBufError, parseBufJson } from '../helpers/buf-curl.js';
import { EVERY_RPC } from '../helpers/every-rpc.js';
import { realArtifacts } from '../helpers/real-artifacts.js';
import { ADMIN_ON, TEST_ADMIN_TOKEN } from '../helpers/security.js';
import { REDIS_URL, testEnv, type TestEnv } from './workers-harness.js';

let server: RunningServer;
let url: string;
let artifactsDir: string;
let env: TestEnv;

beforeAll(async () => {
  artifactsDir = await realArtifacts();
  env = await testEnv('reflection'); // the admin RPCs get a queue prefix of their own
  server = await startServer({
    config: loadConfig({ artifactsDir, redisUrl: REDIS_URL, logLevel: 'silent' }),
    addr: '127.0.0.1:0',
    log: createLogger('test', 'silent'),
    watch: false,
    security: ADMIN_ON,
    modules: MODULES.map((m) => (m.serviceName === 'marquee.v1.PipelineAdmin' ? createAdminModule({ settings: env.settings, swapOnPublish: false }) : m)),
  });
  url = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close(1000);
  await env?.cleanup();
});

/** service -> rpc names, read from the .proto text itself (not from any compiled form). */
function rpcsInProtoSources(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const dir = path.join(PROJECT_ROOT, 'proto', 'marquee', 'v1');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.proto'))) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const pkg = /^package\s+([\w.]+);/m.exec(text)![1];
    for (const m of text.matchAll(/^service\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
      out.set(`${pkg}.${m[1]}`, [...m[2].matchAll(/^\s*rpc\s+(\w+)\s*\(/gm)].map((r) => r[1]));
    }
  }
  return out;
}

/** Every file descriptor reflection serves for the listed services, fetched with buf curl. */
async function servedFiles(services: string[]): Promise<FileDescriptorProto[]> {
  const input = services.map((s) => JSON.stringify({ file_containing_symbol: s })).join('\n');
  const r = await bufCurl(['-d', input, `${url}/grpc.reflection.v1.ServerReflection/ServerReflectionInfo`]);
  expect(r.exitCode, r.stderr).toBe(0);
  const byName = new Map<string, FileDescriptorProto>();
  for (const chunk of r.stdout.split(/\n(?=\{)/)) {
    const res = JSON.parse(chunk) as { fileDescriptorResponse?: { fileDescriptorProto: string[] } };
    for (const b64 of res.fileDescriptorResponse?.fileDescriptorProto ?? []) {
      const fd = fromBinary(FileDescriptorProtoSchema, Buffer.from(b64, 'base64'));
      byName.set(fd.name, fd);
    }
  }
  // a FileDescriptorSet lists dependencies before the files that import them
  const ordered: FileDescriptorProto[] = [];
  const visit = (fd: FileDescriptorProto) => {
    if (ordered.includes(fd)) return;
    for (const dep of fd.dependency) {
      const d = byName.get(dep);
      if (!d) throw new Error(`reflection did not serve ${dep}, imported by ${fd.name}`);
      visit(d);
    }
    ordered.push(fd);
  };
  for (const fd of byName.values()) visit(fd);
  return ordered;
}

describe('reflection through buf curl', () => {
  let registry: FileRegistry;
  let files: FileDescriptorProto[];

  beforeAll(async () => {
    const listed = await bufCurl(['--list-services', url]);
    expect(listed.exitCode, listed.stderr).toBe(0);
    files = await servedFiles(listed.stdout.trim().split('\n'));
    // a strict pool: every import present, every type name resolvable, map entries well-formed
    registry = createFileRegistry({ $typeName: 'google.protobuf.FileDescriptorSet', file: files } as never);
  });

  it('lists every service and every method declared in proto/', async () => {
    const r = await bufCurl(['--list-methods', url]);
    expect(r.exitCode, r.stderr).toBe(0);
    const methods = new Set(r.stdout.trim().split('\n'));
    const declared = rpcsInProtoSources();
    expect(declared.size).toBeGreaterThanOrEqual(4);
    for (const [svc, rpcs] of declared) for (const rpc of rpcs) expect(methods).toContain(`${svc}/${rpc}`);
    for (const m of ['grpc.health.v1.Health/Check', 'grpc.health.v1.Health/Watch', 'grpc.reflection.v1.ServerReflection/ServerReflectionInfo', 'grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo']) {
      expect(methods).toContain(m);
    }
  });

  it('serves the files as written: original names, imports, qualified names, protoc map entries, comments', () => {
    const names = files.map((f) => f.name);
    for (const f of readdirSync(path.join(PROJECT_ROOT, 'proto', 'marquee', 'v1')).filter((n) => n.endsWith('.proto'))) {
      expect(names).toContain(`marquee/v1/${f}`);
    }
    expect(names).toEqual(expect.arrayContaining(['grpc/health/v1/health.proto', 'google/rpc/status.proto', 'google/rpc/error_details.proto']));
    const catalog = files.find((f) => f.name === 'marquee/v1/catalog.proto')!;
    expect(catalog.dependency).toContain('marquee/v1/common.proto');
    for (const m of catalog.messageType) for (const fld of m.field) if (fld.typeName) expect(fld.typeName).toMatch(/^\./);
    // map<string, int64> counts -> nested Stage.CountsEntry with map_entry, as protoc writes it
    expect(registry.getMessage('marquee.v1.Stage')!.field.counts.fieldKind).toBe('map');
    const stage = files.find((f) => f.name === 'marquee/v1/pipeline.proto')!.messageType.find((m) => m.name === 'Stage')!;
    const entry = stage.nestedType.find((n) => n.name === 'CountsEntry');
    expect(entry?.options?.mapEntry).toBe(true);
    // comments reach `describe`
    const svcIdx = catalog.service.findIndex((s) => s.name === 'CatalogService');
    const loc = catalog.sourceCodeInfo!.location.find((l) => l.path.join('.') === `6.${svcIdx}`);
    expect(loc?.leadingComments).toMatch(/Queries over the published movie catalog/);
  });

  it('calls an RPC with nothing but reflection, and the answer matches the published catalog', async () => {
    const movies = readFileSync(path.join(artifactsDir, readFileSync(path.join(artifactsDir, 'CURRENT'), 'utf8').trim(), 'catalog.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Movie);
    const toy = movies.find((m) => m.title === 'Toy Story')!;
    const r = parseBufJson(await bufCurl(['-d', '{"title":"toy story"}', `${url}/marquee.v1.CatalogService/TitleScore`]));
    expect(r).toEqual({ id: toy.id, title: toy.title, releaseYear: toy.releaseYear, popularity: toy.popularity });
  });

  it('errors carry google.rpc.ErrorInfo details that decode with the served descriptors', async () => {
    const e = parseBufError(await bufCurl(['-d', '{"title":"toy stori"}', `${url}/marquee.v1.CatalogService/TitleScore`]));
    expect(e.code).toBe('not_found');
    expect(e.message).toMatch(/Did you mean: "Toy Story"/);
    expect(e.details?.[0]?.type).toBe('google.rpc.ErrorInfo');
    const info = fromBinary(registry.getMessage('google.rpc.ErrorInfo')!, Buffer.from(e.details![0].value, 'base64')) as unknown as {
      reason: string;
      domain: string;
      metadata: Record<string, string>;
    };
    expect(info.reason).toBe('TITLE_NOT_FOUND');
    expect(info.domain).toBe('marquee.v1');
    expect(info.metadata.suggestion_1).toBe('Toy Story');
  });
});

/** A request for every RPC; streams that never end on their own get a time limit. */

describe('every RPC through buf curl', () => {
  it('has a request for every method the server lists', async () => {
    const r = await bufCurl(['--list-methods', url]);
    expect(r.stdout.trim().split('\n').sort()).toEqual(Object.keys(EVERY_RPC).sort());
  });

  it.each(Object.entries(EVERY_RPC))('%s answers through reflection alone', async (method, { data, stream }) => {
    // a stream that does not end by itself: read its first message, then buf's own time limit ends it
    const auth = method.startsWith('marquee.v1.PipelineAdmin/') ? ['-H', `authorization: Bearer ${TEST_ADMIN_TOKEN}`] : [];
    const r = await bufCurl([...(stream ? ['--timeout', '2s'] : []), ...auth, '-d', data, `${url}/${method}`]);
    const first = r.stdout.trim().split(/\n(?=\{)/)[0];
    expect(first, `${method}: ${r.stderr}`).toMatch(/^\{/);
    expect(JSON.parse(first)).toBeTypeOf('object');
    if (!stream) expect(r.exitCode, r.stderr).toBe(0);
  });
});

describe('malformed request bytes', () => {
  // [method, bytes] pairs that a lenient decoder would reinterpret or choke on
  const BAD: [string, number[]][] = [
    ['a string field sent as a varint', [0x0a & ~0x07, 0x96, 0x01]], // field 1, wire type 0
    ['a length prefix longer than the message', [0x0a, 0x7f, 0x61]],
    ['invalid UTF-8 in a string', [0x0a, 0x02, 0xc3, 0x28]],
    ['a truncated varint', [0xff]],
  ];
  const methods: [string, 'unary' | 'server' | 'bidi'][] = [
    ['/marquee.v1.CatalogService/TitleScore', 'unary'],
    ['/marquee.v1.RecommendService/SimilarMovies', 'unary'],
    ['/marquee.v1.ReportService/GetReportSummary', 'unary'],
    ['/marquee.v1.PipelineAdmin/GetRun', 'unary'],
    ['/marquee.v1.PipelineAdmin/WatchRun', 'server'],
    ['/grpc.health.v1.Health/Check', 'unary'],
    ['/grpc.health.v1.Health/Watch', 'server'],
    ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', 'bidi'],
    ['/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo', 'bidi'],
  ];

  function send(client: grpc.Client, method: string, kind: 'unary' | 'server' | 'bidi', bytes: Buffer): Promise<grpc.ServiceError | null> {
    const id = (b: Buffer) => b;
    const md = new grpc.Metadata();
    if (method.startsWith('/marquee.v1.PipelineAdmin/')) md.set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    return new Promise((resolve) => {
      if (kind === 'unary') {
        client.makeUnaryRequest(method, id, id, bytes, md, (err) => resolve(err));
        return;
      }
      const stream =
        kind === 'server'
          ? client.makeServerStreamRequest(method, id, id, bytes, md)
          : (() => {
              const s = client.makeBidiStreamRequest(method, id, id, md);
              s.write(bytes);
              s.end();
              return s;
            })();
      stream.on('data', () => undefined);
      stream.on('error', (err: grpc.ServiceError) => resolve(err));
      stream.on('end', () => resolve(null));
    });
  }

  it.each(methods)('%s answers INVALID_ARGUMENT, never INTERNAL or a guessed value', async (method, kind) => {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    try {
      for (const [what, bytes] of BAD) {
        const err = await send(client, method, kind, Buffer.from(bytes));
        expect(err?.code, `${method}: ${what}`).toBe(grpc.status.INVALID_ARGUMENT);
        expect(err?.details).toMatch(/could not be decoded/);
      }
    } finally {
      client.close();
    }
  });

  it('health Check with the single byte 0xff is INVALID_ARGUMENT', async () => {
    const client = new grpc.Client(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    const err = await send(client, '/grpc.health.v1.Health/Check', 'unary', Buffer.from([0xff]));
    client.close();
    expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

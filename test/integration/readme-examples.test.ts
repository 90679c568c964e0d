// Every `$ grpcurl` example in README.md, run with buf curl through reflection alone against a
// real server on the real shared catalog, and every `$ curl` example against its HTTP/JSON
// listener: the README's answers must be what the server says.
// (`npm run docs:examples` rewrites them after an intended change.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { startServer, type RunningServer } from '../../service/server.js';
import { comparable, parseExamples, runExample, snapNumbers, type ExampleTargets } from '../helpers/readme-examples.js';
import { realArtifacts } from '../helpers/real-artifacts.js';

const examples = parseExamples(readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8'));
let server: RunningServer;
let base: ExampleTargets;

beforeAll(async () => {
  server = await startServer({
    config: loadConfig({ artifactsDir: await realArtifacts(), logLevel: 'silent' }),
    addr: '127.0.0.1:0',
    http: { addr: '127.0.0.1:0' },
    log: createLogger('test', 'silent'),
    watch: false,
  });
  base = { grpc: `http://127.0.0.1:${server.port}`, http: `http://127.0.0.1:${server.http!.port}` };
});

afterAll(async () => {
  await server?.close(1000);
});

describe('README grpcurl and curl examples', () => {
  it('there are examples for every Marquee service', () => {
    for (const svc of ['CatalogService', 'PlatformService', 'RecommendService', 'ReportService', 'RatingsService', 'SearchService']) {
      expect(examples.some((e) => e.command.includes(`marquee.v1.${svc}/`)), svc).toBe(true);
    }
    expect(examples.some((e) => e.command.startsWith('curl ')), 'curl examples of the HTTP/JSON listener').toBe(true);
  });

  it.each(examples.map((e) => [`README.md:${e.line + 1} ${e.command}`, e] as const))('%s', async (_name, ex) => {
    const answer = await runExample(ex, base);
    const expected = comparable(ex.expected);
    expect(snapNumbers(comparable(answer), expected), `real answer:\n${answer}`).toEqual(expected);
  });
});

// The compiled build (`npm run build` -> dist/) as production runs it: plain node, no TypeScript
// loader. The inline pipeline (worker threads and child processes), queued workers with sandboxed
// stages (BullMQ forks), and the service on both listeners.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { bufCurl, parseBufJson } from '../helpers/buf-curl.js';
import { realArtifacts } from '../helpers/real-artifacts.js';
import { runToEnd, spawnCompiled, testEnv, type SpawnedProcess, type TestEnv } from './workers-harness.js';
import { SERVICE_NODE_FLAGS } from '../../service/gc-tuning.js';

const DIST = path.join(PROJECT_ROOT, 'dist');
let env: TestEnv;
const procs: SpawnedProcess[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(DIST, 'service', 'main.js'))) throw new Error('dist/ is not built: run npm run build (npm test does)');
  env = await testEnv('prod-build');
});

afterAll(async () => {
  for (const p of procs) await p.stop().catch(() => undefined);
  await env?.cleanup();
});

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith('.js') ? [p] : [];
  });
}

describe('the compiled build', () => {
  it('imports no TypeScript loader and no test code', () => {
    for (const f of jsFiles(DIST)) {
      const text = readFileSync(f, 'utf8');
      // (entryUrl('./x.ts', ...) is fine: it names the .js file when compiled)
      expect(text, path.relative(PROJECT_ROOT, f)).not.toMatch(/(from |import\()['"](tsx|\.\.?\/[^'"]*\.ts)['"]/);
      expect(text, path.relative(PROJECT_ROOT, f)).not.toMatch(/from ['"][./]*test\//);
    }
  });

  it('is what the Dockerfile and docker-compose.yml start: every script they name exists, no TypeScript loader', () => {
    const compose = readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
    const docker = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    // the script is the first argument after node's own flags (--name=value)
    const scripts = [...`${compose}\n${docker}`.matchAll(/"node",(?:\s*"--[^"]*",)*\s*"([^"-][^"]*)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThanOrEqual(5);
    for (const s of scripts) {
      expect(s, 'containers run compiled JavaScript').toMatch(/^dist\/.*\.js$/);
      expect(existsSync(path.join(PROJECT_ROOT, s)), s).toBe(true);
    }
    expect(`${compose}\n${docker}`).not.toMatch(/"--import",\s*"tsx"/);
    // what the runtime stage copies from the build stage is what npm run build makes
    for (const m of docker.matchAll(/^COPY --from=build \/app\/(\S+)/gm)) {
      if (m[1] !== 'node_modules') expect(existsSync(path.join(PROJECT_ROOT, m[1])), m[1]).toBe(true);
    }
  });

  it('runs a queued rebuild with sandboxed stages and worker threads, then publishes', async () => {
    const workers = await spawnCompiled('dist/workers/main.js', [], { ...env.env, MARQUEE_WORKER_METRICS_ADDR: 'off' }, /"msg":"workers started"/);
    procs.push(workers);
    const { run } = await env.orch.startRebuild('test');
    const done = await runToEnd(env.orch, run.id, 180_000);
    expect(done.status, JSON.stringify(done.stages.map((s) => [s.stage, s.status, s.error]))).toBe('completed');
    expect(readFileSync(path.join(env.artifactsDir, 'CURRENT'), 'utf8').trim()).toBe(done.publishedVersion);
    expect(workers.output()).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|Cannot find module/);
  });

  it('serves gRPC and HTTP/JSON from node dist/service/main.js, started with the serving node flags as the Dockerfile does', async () => {
    const artifacts = await realArtifacts();
    const service = await spawnCompiled(
      'dist/service/main.js',
      ['--artifacts', artifacts, '--addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0'],
      { ...process.env, LOG_LEVEL: 'info' },
      /"msg":"catalog version loaded"/,
      60_000,
      SERVICE_NODE_FLAGS,
    );
    procs.push(service);
    const lines = service.output().split('\n').filter((l) => l.startsWith('{'));
    // the flags reached the process: no warning about them, and the first load was collected before serving
    expect(service.output()).not.toMatch(/started without the node flags/);
    expect(lines.map((l) => JSON.parse(l) as { msg: string }).some((l) => l.msg === 'first load: full collection before serving')).toBe(true);
    const grpcPort = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'listening')!.port as number;
    const httpAddr = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'HTTP listening')!.addr as string;
    const viaGrpc = parseBufJson(await bufCurl(['-d', '{"title":"Heat"}', `http://127.0.0.1:${grpcPort}/marquee.v1.CatalogService/TitleScore`]));
    const res = await fetch(`http://${httpAddr}/marquee.v1.CatalogService/TitleScore`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"Heat"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(viaGrpc);
    const page = await fetch(`http://${httpAddr}/`);
    expect(await page.text()).toMatch(/<div id="app">/);
  });
});

// A run that fails (here: a truncated .gz input) publishes nothing and leaves no version dir
// behind, inline and on the queues.
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { runInline } from '../../pipeline/inline.js';
import { createLogger } from '../../pipeline/log.js';
import { readCurrent } from '../../pipeline/artifacts/store.js';
import { Orchestrator } from '../../workers/orchestrator.js';
import { runToEnd, spawnWorkers, testEnv, waitFor, type SpawnedProcess, type TestEnv } from './workers-harness.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'tmdb');
let badDir: string;

/** Fixture input whose movies file is a .gz cut in the middle. */
async function truncatedInput(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mq-truncated-'));
  const gz = gzipSync(await readFile(path.join(FIXTURES, 'movies_dataset.fixture.csv')));
  await writeFile(path.join(dir, 'movies_dataset.fixture.csv.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
  for (const f of ['credits.fixture.csv', 'keywords.fixture.csv']) await copyFile(path.join(FIXTURES, f), path.join(dir, f));
  return dir;
}

const versionDirs = async (artifactsDir: string) => (await readdir(artifactsDir)).filter((n) => /^\d{8}T/.test(n));

beforeAll(async () => {
  badDir = await truncatedInput();
});
afterAll(async () => {
  await rm(badDir, { recursive: true, force: true });
});

describe('a failed run cleans up', () => {
  it('inline: a clear error, nothing published, no version dir left', async () => {
    const artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-failinline-'));
    try {
      const config = loadConfig({ dataDir: badDir, artifactsDir, embedder: 'catalog', logLevel: 'silent' });
      await expect(runInline(config, { log: createLogger('test', 'silent') })).rejects.toThrow(/unexpected end of file|truncated|gzip/i);
      expect(await readCurrent(artifactsDir)).toBeNull();
      expect(await versionDirs(artifactsDir)).toEqual([]);
    } finally {
      await rm(artifactsDir, { recursive: true, force: true });
    }
  });

  describe('on the queues', () => {
    let env: TestEnv;
    let workers: SpawnedProcess;
    beforeAll(async () => {
      env = await testEnv('failclean', { MARQUEE_ATTEMPTS: '1' });
      workers = await spawnWorkers(env.env);
    });
    afterAll(async () => {
      await workers?.stop();
      await env?.cleanup();
    });

    it('the run fails for good, and its version dir is removed', async () => {
      const orch = new Orchestrator(env.redis, { ...env.config, dataDir: badDir }, { ...env.settings, attempts: { ...env.settings.attempts, extract: 1 } });
      try {
        const { run } = await orch.startRebuild('cli');
        const final = await runToEnd(orch, run.id);
        expect(final.status).toBe('failed');
        expect(final.failedStage).toBe('extract');
        await waitFor('the worker to remove the version dir', async () => workers.output().includes('removed the unpublished version dir'), 10_000);
        expect(existsSync(path.join(env.artifactsDir, run.version))).toBe(false);
        expect(await readCurrent(env.artifactsDir)).toBeNull();
      } finally {
        await orch.close();
      }
    });
  });
});

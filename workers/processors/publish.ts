// The root job of a rebuild: runs once every stage completed. Publishing is one atomic pointer switch
// (publishVersion), then older versions are pruned, the run is recorded as completed and the new
// version is announced on pub/sub so services swap to it. Re-running it (after a crash) publishes
// the same version again, which is harmless.
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../pipeline/config.js';
import type { Logger } from '../../pipeline/log.js';
import { publishVersion, pruneVersions } from '../../pipeline/artifacts/store.js';
import type { StagePayload } from '../flow.js';
import { publishedChannel, type PublishedMessage } from '../names.js';
import type { RunStore } from '../runs.js';
import type { StageSummary } from './stage.js';
import { failOnceHook } from '../test-hooks.js';

export async function runPublishJob(
  job: Job<StagePayload>,
  deps: { redis: Redis; store: RunStore; prefix: string; log: Logger },
): Promise<StageSummary & { version: string; pruned: string[] }> {
  const { runId, version, artifactsDir } = job.data;
  const log = deps.log.child({ runId, version, stage: 'publish', attempt: job.attemptsMade + 1 });
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  await failOnceHook('publish', runId, deps.prefix, async () => deps.redis);
  const config = loadConfig({ artifactsDir });
  await job.updateProgress({ stage: 'publish', done: 0, total: 2, unit: 'steps', message: 'switching CURRENT' });
  const manifest = await publishVersion(artifactsDir, version, runId, undefined, { keepIntermediates: config.keepIntermediates });
  await job.updateProgress({ stage: 'publish', done: 1, total: 2, unit: 'steps', message: 'pruning old versions' });
  const pruned = await pruneVersions(artifactsDir, config.keepVersions);
  await job.updateProgress({ stage: 'publish', done: 2, total: 2, unit: 'steps' });
  const ms = Math.round(performance.now() - t0);
  // record the stage and the run before announcing, so whoever reacts to the announcement reads a finished run
  await deps.store.stageCompleted(runId, 'publish', { ms });
  await deps.store.runCompleted(runId, version);
  const msg: PublishedMessage = { version, runId, artifactsDir, publishedAt: new Date().toISOString() };
  const receivers = await deps.redis.publish(publishedChannel(deps.prefix), JSON.stringify(msg));
  log.info({ pruned, receivers, movies: manifest.counts }, 'published');
  return { stage: 'publish', startedAt, ms, version, pruned };
}

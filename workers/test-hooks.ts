// Test hooks, read from the worker's environment; both are off unless set. They exist so the
// integration tests can make a real worker fail or be slow on purpose; never set them in production.
//
//   MARQUEE_FAIL_ONCE=transform[,embed...]   the listed stages throw on their first attempt of each
//       run, exactly once across all workers (a Redis SET NX marker per run and stage), so the retry
//       path is exercised end to end.
//   MARQUEE_TEST_STAGE_DELAY_MS=embed=6000[,eda=500]   the listed stages sleep that long (reporting
//       progress) before doing their work, so a test can kill a worker in the middle of a stage.
import type { Redis } from 'ioredis';
import type { StageName } from '../pipeline/types.js';
import type { Progress } from '../pipeline/stages/context.js';
import { runKeys } from './names.js';

function listed(env: string | undefined, stage: string): boolean {
  return (env ?? '').split(',').map((s) => s.trim()).includes(stage);
}

export class InjectedFailure extends Error {
  constructor(stage: string) {
    super(`injected failure of ${stage} (test hook MARQUEE_FAIL_ONCE); the retry should succeed`);
    this.name = 'InjectedFailure';
  }
}

export async function failOnceHook(
  stage: StageName,
  runId: string,
  prefix: string,
  redis: () => Promise<Redis>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (!listed(env.MARQUEE_FAIL_ONCE, stage)) return;
  const first = await (await redis()).set(runKeys(prefix).failOnce(runId, stage), '1', 'EX', 86_400, 'NX');
  if (first === 'OK') throw new InjectedFailure(stage);
}

export function stageDelayMs(stage: StageName, env: NodeJS.ProcessEnv = process.env): number {
  for (const part of (env.MARQUEE_TEST_STAGE_DELAY_MS ?? '').split(',')) {
    const [name, ms] = part.split('=').map((s) => s.trim());
    if (name === stage && Number(ms) > 0) return Number(ms);
  }
  return 0;
}

export async function delayHook(
  stage: StageName,
  progress: (p: Progress) => void,
  signal?: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const ms = stageDelayMs(stage, env);
  if (!ms) return;
  const steps = 20;
  for (let i = 1; i <= steps && !signal?.aborted; i++) {
    await new Promise((r) => setTimeout(r, ms / steps));
    progress({ stage, done: Math.round((ms * i) / steps), total: ms, unit: 'ms', message: 'test delay (MARQUEE_TEST_STAGE_DELAY_MS)' });
  }
}

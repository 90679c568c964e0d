import { timedStage, type StageContext } from './context';
import type { StageResult } from '../types';

// Placeholder until the index stage lands: records that it was skipped.
export async function runIndex(_ctx: StageContext): Promise<StageResult> {
  return timedStage('index', async () => ({ info: { skipped: true } }));
}

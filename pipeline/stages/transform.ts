import { timedStage, type StageContext } from './context';
import type { StageResult } from '../types';

// Placeholder until the transform stage lands: records that it was skipped.
export async function runTransform(_ctx: StageContext): Promise<StageResult> {
  return timedStage('transform', async () => ({ info: { skipped: true } }));
}

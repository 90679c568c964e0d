import { timedStage, type StageContext } from './context';
import type { StageResult } from '../types';

// Placeholder until the eda stage lands: records that it was skipped.
export async function runEda(_ctx: StageContext): Promise<StageResult> {
  return timedStage('eda', async () => ({ info: { skipped: true } }));
}

import { timedStage, type StageContext } from './context';
import type { StageResult } from '../types';

// Placeholder until the extract stage lands: records that it was skipped.
export async function runExtract(_ctx: StageContext): Promise<StageResult> {
  return timedStage('extract', async () => ({ info: { skipped: true } }));
}

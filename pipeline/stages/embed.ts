import { timedStage, type StageContext } from './context';
import type { StageResult } from '../types';

// Placeholder until the embed stage lands: records that it was skipped.
export async function runEmbed(_ctx: StageContext): Promise<StageResult> {
  return timedStage('embed', async () => ({ info: { skipped: true } }));
}

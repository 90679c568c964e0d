import type { StageFn } from './context';
import type { StageName } from '../types';
import { runExtract } from './extract';
import { runTransform } from './transform';
import { runEda } from './eda';
import { runEmbed } from './embed';
import { runIndex } from './build-index';

/** The build stages (publish is separate: it is an artifact-store operation). */
export const BUILD_STAGES: Exclude<StageName, 'publish'>[] = ['extract', 'transform', 'eda', 'embed', 'index'];

export const STAGE_FNS: Record<Exclude<StageName, 'publish'>, StageFn> = {
  extract: runExtract,
  transform: runTransform,
  eda: runEda,
  embed: runEmbed,
  index: runIndex,
};

import type { StageFn } from './context';
import { STAGES, type StageName } from '../types';
import { runPlatforms } from '../platforms/extract';
import { runScores } from '../platforms/scores';
import { runLink } from '../platforms/link';
import { runTrain } from '../ratings/stage';
import { runExtract } from './extract';
import { runTransform } from './transform';
import { runEda } from './eda';
import { runEmbed } from './embed';
import { runIndex } from './build-index';

/** The build stages (publish is separate: it is an artifact-store operation). */
export const BUILD_STAGES = STAGES.filter((s): s is Exclude<StageName, 'publish'> => s !== 'publish');

export const STAGE_FNS: Record<Exclude<StageName, 'publish'>, StageFn> = {
  extract: runExtract,
  transform: runTransform,
  platforms: runPlatforms,
  scores: runScores,
  link: runLink,
  train: runTrain,
  eda: runEda,
  embed: runEmbed,
  index: runIndex,
};

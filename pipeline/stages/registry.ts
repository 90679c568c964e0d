import type { StageFn } from './context.js';
import { STAGES, type StageName } from '../types.js';
import { runPlatforms } from '../platforms/extract.js';
import { runScores } from '../platforms/scores.js';
import { runLink } from '../platforms/link.js';
import { runTrain } from '../ratings/stage.js';
import { runExtract } from './extract.js';
import { runTransform } from './transform.js';
import { runEda } from './eda.js';
import { runEmbed } from './embed.js';
import { runIndex } from './build-index.js';

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

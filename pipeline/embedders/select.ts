import type { EmbedderChoice } from '../config.js';
import { localWeights } from './transformers.js';
import type { EmbedderId } from './types.js';

export interface EmbedderSelection {
  id: EmbedderId;
  /** why this one, for the log and the manifest */
  reason: string;
  /** whether another embedder may be tried when this one fails to load (auto mode) */
  fallback: boolean;
}

/**
 * auto: transformers when its weights are in the model dir, or may be downloaded; else catalog.
 * An explicit choice is taken as is (and fails loudly if it cannot run).
 */
export function selectEmbedder(
  choice: EmbedderChoice,
  modelDir: string,
  modelId: string,
  allowRemoteModels: boolean,
): EmbedderSelection {
  if (choice !== 'auto') return { id: choice, reason: `MARQUEE_EMBEDDER=${choice}`, fallback: false };
  const w = localWeights(modelDir, modelId);
  if (w) return { id: 'transformers', reason: `auto: ${w} ONNX weights of ${modelId} found under ${modelDir}`, fallback: true };
  if (allowRemoteModels) {
    return { id: 'transformers', reason: `auto: no local weights of ${modelId}, remote download allowed`, fallback: true };
  }
  return {
    id: 'catalog',
    reason: `auto: no ONNX weights of ${modelId} under ${modelDir} and remote models not allowed`,
    fallback: false,
  };
}

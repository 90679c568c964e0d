// The language-model embedder: @xenova/transformers feature extraction (mean pooling, L2 norm),
// loaded from a local model directory laid out as transformers.js expects:
//   <modelDir>/<modelId>/{config.json,tokenizer.json,tokenizer_config.json,onnx/model[_quantized].onnx}
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TEXT_TEMPLATE_VERSION, renderText } from './movie-doc.js';
import type { Embedder, EmbedderSpec, MovieDoc } from './types.js';

export interface TransformersOptions {
  modelId: string;
  modelDir: string;
  allowRemoteModels: boolean;
  /** int8 weights (onnx/model_quantized.onnx); default: quantized when present locally, else fp32 */
  quantized?: boolean;
  /** texts per forward pass */
  batchSize?: number;
}

function weightsFile(quantized: boolean): string {
  return path.join('onnx', quantized ? 'model_quantized.onnx' : 'model.onnx');
}

/** Which local weights exist for the model id: 'quantized', 'fp32' or null. */
export function localWeights(modelDir: string, modelId: string): 'quantized' | 'fp32' | null {
  const base = path.join(modelDir, modelId);
  if (existsSync(path.join(base, weightsFile(true)))) return 'quantized';
  if (existsSync(path.join(base, weightsFile(false)))) return 'fp32';
  return null;
}

async function sha256File(file: string): Promise<string | null> {
  if (!existsSync(file)) return null;
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

// Minimal structural types for the parts of transformers.js used here (its own typings are loose).
interface Tensor {
  dims: number[];
  data: Float32Array;
}
interface FeatureExtractor {
  (texts: string | string[], opts: { pooling: 'mean'; normalize: boolean }): Promise<Tensor>;
  tokenizer: { model_max_length: number; (text: string, opts?: object): { input_ids: { dims: number[] } } };
  model: { config: { hidden_size?: number; max_position_embeddings?: number } };
  dispose?: () => Promise<void>;
}

export class TransformersEmbedder implements Embedder {
  readonly id = 'transformers' as const;
  private constructor(
    private readonly extractor: FeatureExtractor,
    readonly modelId: string,
    readonly quantized: boolean,
    readonly dims: number,
    readonly maxTokens: number,
    readonly fingerprint: string,
    readonly batchSize: number,
  ) {}

  static async load(opts: TransformersOptions): Promise<TransformersEmbedder> {
    const { env, pipeline } = await import('@xenova/transformers');
    const local = localWeights(opts.modelDir, opts.modelId);
    if (!local && !opts.allowRemoteModels) {
      throw new Error(
        `no ONNX weights for ${opts.modelId} under MARQUEE_MODEL_DIR=${opts.modelDir} ` +
          `(expected ${path.join(opts.modelDir, opts.modelId, weightsFile(true))} or ${weightsFile(false)}), ` +
          'and MARQUEE_ALLOW_REMOTE_MODELS is off',
      );
    }
    const quantized = opts.quantized ?? (local ? local === 'quantized' : true);
    env.allowLocalModels = true;
    env.localModelPath = opts.modelDir.endsWith(path.sep) ? opts.modelDir : opts.modelDir + path.sep;
    env.allowRemoteModels = opts.allowRemoteModels;
    // Downloads (when allowed) land in the model dir itself, in the same layout, so the next start is offline.
    env.cacheDir = opts.modelDir;
    const extractor = (await pipeline('feature-extraction', opts.modelId, { quantized })) as unknown as FeatureExtractor;

    const base = path.join(opts.modelDir, opts.modelId);
    const cfg = extractor.model.config;
    const stConfig = path.join(base, 'sentence_bert_config.json');
    // sentence-transformers models declare the length they were trained with; else the tokenizer's limit.
    let maxTokens = Math.min(extractor.tokenizer.model_max_length, cfg.max_position_embeddings ?? Infinity);
    if (existsSync(stConfig)) {
      const st = JSON.parse(await readFile(stConfig, 'utf8')) as { max_seq_length?: number };
      if (st.max_seq_length) maxTokens = Math.min(maxTokens, st.max_seq_length);
    }
    if (!Number.isFinite(maxTokens) || maxTokens <= 0) maxTokens = 512;
    extractor.tokenizer.model_max_length = maxTokens;

    const probe = await extractor(['probe'], { pooling: 'mean', normalize: true });
    const dims = probe.dims[1];

    const h = createHash('sha256');
    h.update(`transformers|template=${TEXT_TEMPLATE_VERSION}|model=${opts.modelId}|quantized=${quantized}|max=${maxTokens}|mean|l2\n`);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', weightsFile(quantized)]) {
      h.update(`${f}=${(await sha256File(path.join(base, f))) ?? 'remote'}\n`);
    }
    return new TransformersEmbedder(
      extractor,
      opts.modelId,
      quantized,
      dims,
      maxTokens,
      h.digest('hex'),
      opts.batchSize ?? 32,
    );
  }

  keyText(doc: MovieDoc): string {
    return renderText(doc);
  }

  /** Number of tokens the model sees for a text (after truncation). */
  tokenCount(text: string): number {
    return this.extractor.tokenizer(text, { truncation: true }).input_ids.dims.at(-1) ?? 0;
  }

  async embedTexts(texts: string[], onBatch?: (done: number) => void): Promise<Float32Array> {
    const out = new Float32Array(texts.length * this.dims);
    // Batches of similar length waste less work on padding; the output keeps the input order.
    const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length || a - b);
    for (let s = 0; s < order.length; s += this.batchSize) {
      const idx = order.slice(s, s + this.batchSize);
      const t = await this.extractor(
        idx.map((i) => texts[i]),
        { pooling: 'mean', normalize: true },
      );
      for (let j = 0; j < idx.length; j++) {
        out.set(t.data.subarray(j * this.dims, (j + 1) * this.dims), idx[j] * this.dims);
      }
      onBatch?.(Math.min(s + this.batchSize, order.length));
    }
    return out;
  }

  embedDocs(docs: MovieDoc[], onBatch?: (done: number) => void): Promise<Float32Array> {
    return this.embedTexts(docs.map((d) => renderText(d)), onBatch);
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embedTexts([text]);
  }

  spec(): EmbedderSpec {
    return {
      id: 'transformers',
      fingerprint: this.fingerprint,
      dims: this.dims,
      modelId: this.modelId,
      quantized: this.quantized,
      maxTokens: this.maxTokens,
    };
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose?.();
  }
}

// The transformers embedder end to end with a random-weight BERT in transformers.js layout and the
// real all-MiniLM-L6-v2 tokenizer (generated into a temp dir): shapes, normalization, batching,
// truncation, determinism, auto-selection, the embed stage's cache, and SearchMovies in the service.
// The vectors carry no meaning, so nothing here is about neighbours.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../pipeline/config.js';
import { readEmbeddings } from '../../pipeline/embed/matrix.js';
import { selectEmbedder } from '../../pipeline/embedders/select.js';
import { TransformersEmbedder } from '../../pipeline/embedders/transformers.js';
import { createLogger } from '../../pipeline/log.js';
import type { Movie } from '../../pipeline/types.js';
import { serviceClient } from '../../service/client.js';
import { startServer } from '../../service/server.js';
import { buildVersion, EMBED_FIXTURE } from '../fixtures/embed/build-version.js';
import { makeSynthModel, TINY } from '../fixtures/embed/synth-model.js';

const MODEL_ID = 'test/tiny-bert';
let modelDir: string;
let fp32: TransformersEmbedder;

const SENTENCES = [
  'A cowboy doll is jealous of a new spaceman toy.',
  'Toys come to life when humans are away.',
  'A documentary about deep sea fishing.',
  'Short.',
  'The aging patriarch of an organized crime dynasty transfers control of his clandestine empire to his reluctant son.',
];

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const row = (m: Float32Array, d: number, i: number) => m.subarray(i * d, (i + 1) * d);
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((mx, x, i) => Math.max(mx, Math.abs(x - b[i])), 0);

beforeAll(async () => {
  modelDir = await mkdtemp(path.join(os.tmpdir(), 'mq-models-'));
  await makeSynthModel(modelDir, MODEL_ID, TINY);
  fp32 = await TransformersEmbedder.load({ modelId: MODEL_ID, modelDir, allowRemoteModels: false, quantized: false, batchSize: 4 });
});

afterAll(async () => {
  await fp32?.dispose();
  await rm(modelDir, { recursive: true, force: true });
});

describe('transformers embedder', () => {
  it('gives one unit vector of the hidden size per text', async () => {
    expect(fp32.dims).toBe(TINY.hidden);
    const m = await fp32.embedTexts(SENTENCES);
    expect(m.length).toBe(SENTENCES.length * TINY.hidden);
    for (let i = 0; i < SENTENCES.length; i++) expect(norm(row(m, fp32.dims, i))).toBeCloseTo(1, 5);
    // different texts, different vectors
    expect(maxAbsDiff(row(m, fp32.dims, 0), row(m, fp32.dims, 1))).toBeGreaterThan(1e-3);
  });

  it('embeds a batch exactly as it embeds each text alone (fp32 weights)', async () => {
    const batch = await fp32.embedTexts(SENTENCES); // batches of 4, padded to the longest
    for (let i = 0; i < SENTENCES.length; i++) {
      const alone = await fp32.embedTexts([SENTENCES[i]]);
      expect(maxAbsDiff(row(batch, fp32.dims, i), alone)).toBeLessThan(1e-5);
    }
  });

  it('int8 weights: batching changes the dynamic quantization scale only slightly', async () => {
    const q = await TransformersEmbedder.load({ modelId: MODEL_ID, modelDir, allowRemoteModels: false });
    expect(q.quantized).toBe(true);
    expect(q.fingerprint).not.toBe(fp32.fingerprint);
    const batch = await q.embedTexts(SENTENCES);
    for (let i = 0; i < SENTENCES.length; i++) {
      const alone = await q.embedTexts([SENTENCES[i]]);
      const cos = row(batch, q.dims, i).reduce((s, x, j) => s + x * alone[j], 0);
      expect(cos).toBeGreaterThan(0.99);
    }
    await q.dispose();
  });

  it("truncates long texts at the model's token limit", async () => {
    expect(fp32.maxTokens).toBe(512); // tokenizer_config model_max_length, = max_position_embeddings
    const base = Array.from({ length: 700 }, (_, i) => `word${i % 50}`).join(' ');
    const a = `${base} and then the ending is happy`;
    const b = `${base} but here a different ending entirely, with dragons`;
    expect(fp32.tokenCount(a)).toBe(512);
    expect(fp32.tokenCount('hello world')).toBe(4); // [CLS] hello world [SEP]
    const [va, vb] = [await fp32.embedQuery(a), await fp32.embedQuery(b)];
    expect(maxAbsDiff(va, vb)).toBe(0); // everything past token 512 is cut
    const shorter = await fp32.embedQuery(base.split(' ').slice(0, 100).join(' '));
    expect(maxAbsDiff(va, shorter)).toBeGreaterThan(1e-4);
  });

  it('is deterministic: a second load has the same fingerprint and gives the same bits', async () => {
    const again = await TransformersEmbedder.load({ modelId: MODEL_ID, modelDir, allowRemoteModels: false, quantized: false, batchSize: 4 });
    expect(again.fingerprint).toBe(fp32.fingerprint);
    const [x, y] = [await fp32.embedTexts(SENTENCES), await again.embedTexts(SENTENCES)];
    expect(Buffer.from(x.buffer).equals(Buffer.from(y.buffer))).toBe(true);
    await again.dispose();
  });

  it('changing the model files changes the fingerprint', async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), 'mq-models-'));
    try {
      await makeSynthModel(other, MODEL_ID, { ...TINY, ffn: 96 });
      const e = await TransformersEmbedder.load({ modelId: MODEL_ID, modelDir: other, allowRemoteModels: false, quantized: false });
      expect(e.fingerprint).not.toBe(fp32.fingerprint);
      await e.dispose();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('embedder selection', () => {
  it('auto takes transformers when the weights are there, catalog when not (remote off)', () => {
    expect(selectEmbedder('auto', modelDir, MODEL_ID, false).id).toBe('transformers');
    const none = selectEmbedder('auto', modelDir, 'no/such-model', false);
    expect(none.id).toBe('catalog');
    expect(none.reason).toMatch(/no ONNX weights of no\/such-model/);
    expect(selectEmbedder('auto', modelDir, 'no/such-model', true).id).toBe('transformers');
    expect(selectEmbedder('catalog', modelDir, MODEL_ID, false).id).toBe('catalog');
  });

  it('auto falls back to catalog when the weights are there but do not load; an explicit choice fails', async () => {
    const broken = await mkdtemp(path.join(os.tmpdir(), 'mq-broken-'));
    const artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-broken-art-'));
    try {
      const dirOf = await makeSynthModel(broken, MODEL_ID, TINY);
      await writeFile(path.join(dirOf, 'onnx', 'model_quantized.onnx'), 'not an onnx model');
      const auto = await buildVersion(loadConfig({ artifactsDir, embedder: 'auto', modelDir: broken, modelId: MODEL_ID, logLevel: 'silent' }));
      expect(auto.manifest.info.embed?.embedder).toBe('catalog');
      expect(String(auto.manifest.info.embed?.reason)).toMatch(/loading failed/);
      await expect(
        buildVersion(loadConfig({ artifactsDir, embedder: 'transformers', modelDir: broken, modelId: MODEL_ID, logLevel: 'silent' })),
      ).rejects.toThrow();
    } finally {
      await rm(broken, { recursive: true, force: true });
      await rm(artifactsDir, { recursive: true, force: true });
    }
  });

  it('an explicit transformers choice without weights fails naming MARQUEE_MODEL_DIR', async () => {
    await expect(
      TransformersEmbedder.load({ modelId: 'no/such-model', modelDir, allowRemoteModels: false }),
    ).rejects.toThrow(/MARQUEE_MODEL_DIR=.*MARQUEE_ALLOW_REMOTE_MODELS is off/);
  });
});

describe('embed stage with transformers, its cache, and SearchMovies', () => {
  let artifactsDir: string;
  beforeAll(async () => {
    artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'mq-tf-art-'));
  });
  afterAll(async () => {
    await rm(artifactsDir, { recursive: true, force: true });
  });

  it('auto picks transformers, records it, and a rebuild re-embeds only the changed movie', async () => {
    const config = loadConfig({ artifactsDir, embedder: 'auto', modelDir, modelId: MODEL_ID, logLevel: 'silent' });
    const first = await buildVersion(config);
    const info = first.manifest.info.embed!;
    expect(info.embedder).toBe('transformers');
    expect(info.modelId).toBe(MODEL_ID);
    expect(info.dims).toBe(TINY.hidden);
    // onnxruntime-node is not safe across worker threads: transformers runs in a child process
    expect(info.ranIn).toBe('child process');
    expect(info.childPeakRssBytes).toBeGreaterThan(0);
    expect(first.manifest.counts.embedded).toBe(21);
    expect(first.manifest.counts.embeddingsReused).toBe(0);
    const { meta, matrix } = await readEmbeddings(first.dir);
    expect(meta.count).toBe(21);
    for (let i = 0; i < meta.count; i++) expect(norm(row(matrix, meta.dims, i))).toBeCloseTo(1, 5);

    const second = await buildVersion(config);
    expect(second.manifest.counts.embedded).toBe(0);
    expect(second.manifest.counts.embeddingsReused).toBe(21);
    const again = await readEmbeddings(second.dir);
    expect(Buffer.from(again.matrix.buffer).equals(Buffer.from(matrix.buffer))).toBe(true);

    // one movie's overview changes: only it is embedded again
    const movies = (await readFile(EMBED_FIXTURE, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Movie);
    movies[3].overview += ' A new restored cut adds twenty minutes.';
    const changed = path.join(artifactsDir, 'changed.jsonl');
    await writeFile(changed, movies.map((m) => JSON.stringify(m)).join('\n') + '\n');
    const third = await buildVersion(config, { catalog: changed });
    expect(third.manifest.counts.embedded).toBe(1);
    expect(third.manifest.counts.embeddingsReused).toBe(20);
  });

  it('SearchMovies embeds the query with the same model in the service; without it, FAILED_PRECONDITION', async () => {
    const log = createLogger('test', 'silent');
    const good = await startServer({
      config: loadConfig({ artifactsDir, modelDir, modelId: MODEL_ID, logLevel: 'silent' }),
      addr: '127.0.0.1:0',
      log,
      watch: false,
    });
    const emptyModels = await mkdtemp(path.join(os.tmpdir(), 'mq-nomodels-'));
    const bad = await startServer({
      config: loadConfig({ artifactsDir, modelDir: emptyModels, modelId: MODEL_ID, logLevel: 'silent' }),
      addr: '127.0.0.1:0',
      log,
      watch: false,
    });
    const c1 = serviceClient('marquee.v1.RecommendService', ['marquee/v1/recommend.proto'], good.addr);
    const c2 = serviceClient('marquee.v1.RecommendService', ['marquee/v1/recommend.proto'], bad.addr);
    try {
      const res = await c1.call<{ movies: { score: number }[]; embedder: string }>('SearchMovies', { query: 'a cowboy doll', k: 7 });
      expect(res.embedder).toBe('transformers');
      expect(res.movies).toHaveLength(7);
      // the query vector is compared with the stored ones: recompute the best score by hand
      const { matrix, meta } = await readEmbeddings(path.join(artifactsDir, good.holder.version!));
      const q = await fp32.embedQuery('a cowboy doll'); // fp32 vs the int8 model the pipeline used: close, not equal
      let best = -1;
      for (let i = 0; i < meta.count; i++) best = Math.max(best, row(matrix, meta.dims, i).reduce((s, x, j) => s + x * q[j], 0));
      expect(Math.abs(res.movies[0].score - best)).toBeLessThan(0.05);

      const err = await c2.call('SearchMovies', { query: 'a cowboy doll' }).catch((e: grpc.ServiceError) => e);
      expect((err as grpc.ServiceError).code).toBe(grpc.status.FAILED_PRECONDITION);
      expect((err as grpc.ServiceError).details).toMatch(/MARQUEE_MODEL_DIR/);
      const sim = await c2.call<{ similar: unknown[] }>('SimilarMovies', { id: 862 });
      expect(sim.similar).toHaveLength(5);
    } finally {
      c1.close();
      c2.close();
      await good.close(1000);
      await bad.close(1000);
      await rm(emptyModels, { recursive: true, force: true });
    }
  });
});

// The ratings model of a version: model/ratings.json (what it is, how good, how it was made) and
// model/ratings.bin (little-endian typed arrays: ids, each user's rated items, and per ensemble
// member the biases and factors). The service maps the .bin once and reads it in place.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FittedModel } from './model.js';

export const RATINGS_FILES = { dir: 'model', meta: 'model/ratings.json', bin: 'model/ratings.bin' } as const;

export interface RatingsModelMeta {
  schemaVersion: 1;
  factors: number;
  timeTerms: boolean;
  members: number;
  mu: number[];
  users: number;
  items: number;
  ratings: number;
  /** what the evaluation measured (also in the manifest) */
  figures: Record<string, unknown>;
  options: Record<string, unknown>;
}

/** Everything the service needs to predict and recommend. */
export interface ServingModel {
  meta: RatingsModelMeta;
  userIds: Int32Array;
  itemTmdb: Int32Array;
  /** CSR: items rated by user u are userItems[userOffsets[u] .. userOffsets[u+1]) */
  userOffsets: Int32Array;
  userItems: Int32Array;
  /** the user's rating of each item in userItems */
  userStars: Float32Array;
  userMean: Float32Array;
  members: { mu: number; bu: Float32Array; cu: Float32Array; bi: Float32Array; P: Float32Array; Q: Float32Array }[];
}

export async function saveModel(
  dir: string,
  data: { user: Int32Array; item: Int32Array; stars: Float32Array; userIds: Int32Array; itemTmdb: Int32Array },
  members: FittedModel[],
  meta: Omit<RatingsModelMeta, 'schemaVersion' | 'factors' | 'timeTerms' | 'members' | 'mu' | 'users' | 'items' | 'ratings'>,
): Promise<void> {
  const nu = data.userIds.length;
  const ni = data.itemTmdb.length;
  const userOffsets = new Int32Array(nu + 1);
  for (let k = 0; k < data.user.length; k++) userOffsets[data.user[k] + 1]++;
  for (let u = 0; u < nu; u++) userOffsets[u + 1] += userOffsets[u];
  const fill = userOffsets.slice(0, nu);
  const userItems = new Int32Array(data.user.length);
  const userStars = new Float32Array(data.user.length);
  const sum = new Float64Array(nu);
  for (let k = 0; k < data.user.length; k++) {
    const u = data.user[k];
    userStars[fill[u]] = data.stars[k];
    userItems[fill[u]++] = data.item[k];
    sum[u] += data.stars[k];
  }
  const userMean = Float32Array.from(sum, (s, u) => s / Math.max(1, userOffsets[u + 1] - userOffsets[u]));
  const parts: ArrayBufferView[] = [data.userIds, data.itemTmdb, userOffsets, userItems, userStars, userMean];
  for (const m of members) parts.push(m.bu, m.cu, m.bi, m.P, m.Q);
  await mkdir(path.join(dir, RATINGS_FILES.dir), { recursive: true });
  await writeFile(path.join(dir, RATINGS_FILES.bin), Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
  const full: RatingsModelMeta = {
    schemaVersion: 1,
    factors: members[0].options.factors,
    timeTerms: members[0].options.timeTerms,
    members: members.length,
    mu: members.map((m) => m.mu),
    users: nu,
    items: ni,
    ratings: data.user.length,
    ...meta,
  };
  await writeFile(path.join(dir, RATINGS_FILES.meta), JSON.stringify(full, null, 1));
}

export async function loadModel(metaFile: string, binFile: string): Promise<ServingModel> {
  const meta = JSON.parse(await readFile(metaFile, 'utf8')) as RatingsModelMeta;
  const buf = await readFile(binFile);
  // copy into an aligned buffer once: typed-array views need 4-byte alignment
  const ab = new ArrayBuffer(buf.byteLength);
  new Uint8Array(ab).set(buf);
  let off = 0;
  const i32 = (n: number) => {
    const a = new Int32Array(ab, off, n);
    off += n * 4;
    return a;
  };
  const f32 = (n: number) => {
    const a = new Float32Array(ab, off, n);
    off += n * 4;
    return a;
  };
  const { users: nu, items: ni, ratings, factors: F } = meta;
  const userIds = i32(nu);
  const itemTmdb = i32(ni);
  const userOffsets = i32(nu + 1);
  const userItems = i32(ratings);
  const userStars = f32(ratings);
  const userMean = f32(nu);
  const members = meta.mu.map((mu) => ({ mu, bu: f32(nu), cu: f32(nu), bi: f32(ni), P: f32(nu * F), Q: f32(ni * F) }));
  if (off !== ab.byteLength) throw new Error(`${path.basename(binFile)} has ${ab.byteLength} bytes, the model needs ${off}`);
  return { meta, userIds, itemTmdb, userOffsets, userItems, userStars, userMean, members };
}

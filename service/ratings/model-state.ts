// The version's ratings model as the service uses it: the fitted arrays plus the lookups the RPCs
// need (TMDB id -> item, MovieLens user id -> user, ratings per movie).
import { existsSync } from 'node:fs';
import type { LoadedVersion } from '../../pipeline/artifacts/reader.js';
import { versionFile } from '../../pipeline/artifacts/store.js';
import { loadModel, RATINGS_FILES, type ServingModel } from '../../pipeline/ratings/artifact.js';
import type { CatalogExtension } from '../state.js';

export const RATINGS_EXTENSION = 'ratings';

export interface RatingsState {
  model: ServingModel;
  itemOfTmdb: Map<number, number>;
  userOfId: Map<number, number>;
  /** ratings per item */
  itemCount: Uint32Array;
}

export type RatingsExtensionValue = RatingsState | { missing: string };

export const ratingsExtension: CatalogExtension<RatingsExtensionValue> = {
  name: RATINGS_EXTENSION,
  async load(loaded: LoadedVersion): Promise<RatingsExtensionValue> {
    const files = loaded.manifest.files ?? {};
    const meta = versionFile(loaded.dir, files.ratingsModel ?? RATINGS_FILES.meta, 'ratingsModel');
    const bin = versionFile(loaded.dir, files.ratingsModelBin ?? RATINGS_FILES.bin, 'ratingsModelBin');
    if (!existsSync(meta) || !existsSync(bin)) {
      const why = (loaded.manifest.info?.train as { skipped?: string } | undefined)?.skipped;
      return {
        missing: `catalog version ${loaded.version} has no ratings model${why ? ` (${why})` : ' (built before the train stage existed)'}; put MovieLens ratings and links in MARQUEE_DATA_DIR and rebuild`,
      };
    }
    const model = await loadModel(meta, bin);
    const itemCount = new Uint32Array(model.meta.items);
    for (const i of model.userItems) itemCount[i]++;
    return {
      model,
      itemOfTmdb: new Map(Array.from(model.itemTmdb, (t, i) => [t, i])),
      userOfId: new Map(Array.from(model.userIds, (u, i) => [u, i])),
      itemCount,
    };
  },
};

/** Mean prediction of the ensemble for user u, item i, on a new day (no user-day terms). */
export function predict(s: RatingsState, u: number, i: number): number {
  const F = s.model.meta.factors;
  const time = s.model.meta.timeTerms;
  let sum = 0;
  for (const m of s.model.members) {
    let dot = 0;
    for (let f = 0; f < F; f++) dot += m.P[u * F + f] * m.Q[i * F + f];
    const p = m.mu + m.bu[u] + m.bi[i] * (time ? m.cu[u] : 1) + dot;
    sum += p < 0.5 ? 0.5 : p > 5 ? 5 : p;
  }
  return sum / s.model.members.length;
}

/** The items user u rated, and their ratings count. */
export function ratedBy(s: RatingsState, u: number): Int32Array {
  return s.model.userItems.subarray(s.model.userOffsets[u], s.model.userOffsets[u + 1]);
}

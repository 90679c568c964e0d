// marquee.v1.PlatformService: the streaming-platform catalog of the served version.
import { unary } from '../handlers.js';
import type { ServiceModule } from '../modules.js';
import type { CatalogExtension, CatalogState } from '../state.js';
import { getTitle, longestTitle, personTitles, platformCount, PLATFORMS_EXTENSION, scoreCount, similarTitles, topActor, whereToWatch } from './queries.js';
import { loadPlatformTables, type PlatformTables } from './tables.js';

/** The version's platform tables (and title index), built before it is swapped in. */
export const platformsExtension: CatalogExtension<PlatformTables> = {
  name: PLATFORMS_EXTENSION,
  load: (loaded) => loadPlatformTables(loaded),
};

export const platformsModule: ServiceModule = {
  protoFiles: ['marquee/v1/platforms.proto'],
  serviceName: 'marquee.v1.PlatformService',
  extensions: [platformsExtension],
  implementation: ({ holder }) => {
    const q = <Req, Res>(fn: (state: CatalogState, req: Req) => Res) => unary<Req, Res>((req) => fn(holder.get(), req));
    return {
      LongestTitle: q(longestTitle),
      ScoreCount: q(scoreCount),
      PlatformCount: q(platformCount),
      TopActor: q(topActor),
      GetTitle: q(getTitle),
      PersonTitles: q(personTitles),
      SimilarTitles: q(similarTitles),
      WhereToWatch: q(whereToWatch),
    };
  },
};

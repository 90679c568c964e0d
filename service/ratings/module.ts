// marquee.v1.RatingsService: per-user predictions and recommendations from the version's ratings model.
import { unary } from '../handlers.js';
import type { ServiceModule } from '../modules.js';
import type { CatalogState } from '../state.js';
import { ratingsExtension } from './model-state.js';
import { predictRating, ratingsModelInfo, recommendForUser } from './queries.js';

export const ratingsModule: ServiceModule = {
  protoFiles: ['marquee/v1/ratings.proto'],
  serviceName: 'marquee.v1.RatingsService',
  extensions: [ratingsExtension],
  implementation: ({ holder }) => {
    const q = <Req, Res>(fn: (state: CatalogState, req: Req) => Res) => unary<Req, Res>((req) => fn(holder.get(), req));
    return {
      PredictRating: q(predictRating),
      RecommendForUser: q(recommendForUser),
      RatingsModelInfo: q(ratingsModelInfo),
    };
  },
};

// marquee.v1.RatingsService: per-user predictions and recommendations from the version's ratings model.
import { unary } from '../handlers';
import type { ServiceModule } from '../modules';
import type { CatalogState } from '../state';
import { ratingsExtension } from './model-state';
import { predictRating, ratingsModelInfo, recommendForUser } from './queries';

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

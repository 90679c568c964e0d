import { unary } from '../handlers.js';
import type { ServiceModule } from '../modules.js';
import { recommendExtension } from './extension.js';
import { searchMovies, similarMovies } from './queries.js';

/** marquee.v1.RecommendService: nearest neighbours in the version's HNSW index. */
export const recommendModule: ServiceModule = {
  protoFiles: ['marquee/v1/recommend.proto'],
  serviceName: 'marquee.v1.RecommendService',
  // The extension needs the service's config (model dir) for SearchMovies on transformers versions,
  // so it is registered on this server's holder here; start() runs before the first load.
  start: async (ctx) => {
    ctx.holder.registerExtension(recommendExtension(ctx.config, ctx.log));
  },
  implementation: ({ holder }) => ({
    SimilarMovies: unary((req) => similarMovies(holder.get(), req)),
    SearchMovies: unary((req) => searchMovies(holder.get(), req)),
  }),
};

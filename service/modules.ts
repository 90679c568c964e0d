/**
 * The service's plug-in list. HOW TO PLUG IN a group of RPCs (one line in MODULES below):
 *
 *   // service/recommend/module.ts
 *   import type { ServiceModule } from '../modules.js';
 *   import { unary } from '../handlers.js';
 *   import { notFound } from '../errors.js';
 *   export const recommendModule: ServiceModule = {
 *     protoFiles: ['marquee/v1/recommend.proto'],      // relative to proto/
 *     serviceName: 'marquee.v1.RecommendService',       // fully qualified
 *     extensions: [hnswExtension],                      // optional per-version state, built before a swap
 *     implementation: (ctx) => ({
 *       SimilarMovies: unary((req: SimilarMoviesRequest) => {
 *         const state = ctx.holder.get();                // ONCE per call; UNAVAILABLE before the first load
 *         const movie = resolveTitle(state, req);         // service/catalog/resolve-title.ts
 *         const index = state.ext.get('hnsw') as HnswIndex | null;
 *         ...
 *       }),
 *     }),
 *   };
 *
 * Contract:
 * - Protos are loaded with service/proto.ts LOADER_OPTIONS (keepCase false: lowerCamelCase fields
 *   in JS; defaults true), include dir proto/; import 'marquee/v1/common.proto' for shared messages.
 * - implementation(ctx) is called once at start-up; keys are RPC names as in the proto
 *   (`SimilarMovies`); every RPC must be implemented (the server refuses to start otherwise).
 *   Write unary RPCs with `unary()` (service/handlers.ts); raw grpc-js handlers work too.
 * - Every handler is wrapped: undecodable requests -> INVALID_ARGUMENT; throw/callback an RpcError
 *   (service/errors.ts: invalidArgument, notFound(msg, suggestions), ambiguous, failedPrecondition,
 *   unavailable) for expected failures; anything else becomes INTERNAL and is logged; one log line
 *   per call (debug when OK).
 * - The holder's state is immutable: read `ctx.holder.get()` once at the start of a call and use
 *   that object throughout; a new version is swapped in between calls, never during one.
 * - Per-version state (an index built from the version dir): a CatalogExtension (service/state.ts)
 *   in `extensions`; it is built before the swap and read with `state.ext.get(name)`.
 * - Health: the module's service is NOT_SERVING until a catalog is loaded, SERVING after
 *   (unless `servingWithoutCatalog`, e.g. admin RPCs that must work before anything is published).
 * - Reflection covers every module's protos automatically.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Queue } from 'bullmq';
import type { Config } from '../pipeline/config.js';
import type { Logger } from '../pipeline/log.js';
import type { CatalogExtension, CatalogHolder } from './state.js';
import { catalogModule } from './catalog/module.js';
import { adminModule } from './admin/module.js';
import { reportModule } from './report/module.js';
import { recommendModule } from './recommend/module.js';
import { platformsModule } from './platforms/module.js';
import { ratingsModule } from './ratings/module.js';
import { searchModule } from './search/module.js';

export interface ServiceContext {
  holder: CatalogHolder;
  config: Config;
  log: Logger;
}

export interface ServiceModule {
  /** proto files relative to proto/, e.g. 'marquee/v1/recommend.proto' */
  protoFiles: string[];
  /** fully qualified service name, e.g. 'marquee.v1.RecommendService' */
  serviceName: string;
  implementation(ctx: ServiceContext): grpc.UntypedServiceImplementation;
  /** per-version state built before each swap (registered on the server's holder) */
  extensions?: CatalogExtension[];
  /** SERVING even before a catalog is loaded (admin RPCs) */
  servingWithoutCatalog?: boolean;
  /** BullMQ queues this module works with: the queue dashboard (/admin/queues) shows them */
  queues?(ctx: ServiceContext): Queue[];
  /** called at start-up after the server is bound (e.g. subscribe to Redis); its result's close() runs at shutdown */
  start?(ctx: ServiceContext): Promise<{ close(): Promise<void> } | void>;
}

/** Every module the server hosts. Adding one is one line. */
export const MODULES: ServiceModule[] = [
  catalogModule,
  platformsModule,
  searchModule,
  recommendModule,
  ratingsModule,
  adminModule,
  reportModule,
];

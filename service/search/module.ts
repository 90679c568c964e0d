// marquee.v1.SearchService: search-as-you-type over both catalogs of the served version.
import { unary } from '../handlers.js';
import type { ServiceModule } from '../modules.js';
import { PLATFORMS_EXTENSION } from '../platforms/queries.js';
import type { PlatformTables } from '../platforms/tables.js';
import type { CatalogExtension } from '../state.js';
import { SEARCH_EXTENSION, suggestTitles, type SuggestTitlesRequest } from './queries.js';
import { buildTitleIndex, type TitleIndex } from './title-index.js';

/** Built after the platform tables (MODULES order), before the version is swapped in. */
export const searchExtension: CatalogExtension<TitleIndex> = {
  name: SEARCH_EXTENSION,
  load: async (_loaded, state) => buildTitleIndex(state.movies, (state.ext.get(PLATFORMS_EXTENSION) as PlatformTables | undefined) ?? null),
};

export const searchModule: ServiceModule = {
  protoFiles: ['marquee/v1/search.proto'],
  serviceName: 'marquee.v1.SearchService',
  extensions: [searchExtension],
  implementation: ({ holder }) => ({
    SuggestTitles: unary((req: SuggestTitlesRequest) => suggestTitles(holder.get(), req)),
  }),
};

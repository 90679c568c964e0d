// The columns of catalog.arrow, one per Movie field (nested fields flattened into parallel lists).

export const CATALOG_COLUMNS_FILE = 'catalog.arrow';

/** Numeric columns; `int` ones are Int32, the rest Float64. runtime and collection_id are nullable. */
export const NUMBER_COLUMNS = [
  { name: 'id', int: true },
  { name: 'release_year', int: true },
  { name: 'budget', int: false },
  { name: 'revenue', int: false },
  { name: 'return', int: false },
  { name: 'runtime', int: false },
  { name: 'popularity', int: false },
  { name: 'vote_average', int: false },
  { name: 'vote_count', int: false },
  { name: 'collection_id', int: true },
] as const;

/** Texts unique to each movie: plain Utf8. */
export const TEXT_COLUMNS = ['title', 'overview', 'tagline'] as const;

/** Texts many movies share: dictionary-encoded Utf8. */
export const DICT_COLUMNS = ['release_date', 'original_language', 'status', 'collection_name'] as const;

/** Lists of shared names: List<Dictionary<Utf8>>. Countries and spoken languages as parallel code/name lists. */
export const LIST_COLUMNS = [
  'genres',
  'production_companies',
  'cast',
  'directors',
  'keywords',
  'production_country_codes',
  'production_country_names',
  'spoken_language_codes',
  'spoken_language_names',
] as const;
export type ListColumn = (typeof LIST_COLUMNS)[number];

export const COLUMNS = [...NUMBER_COLUMNS.map((c) => c.name), ...TEXT_COLUMNS, ...DICT_COLUMNS, ...LIST_COLUMNS, 'has_credits'] as const;

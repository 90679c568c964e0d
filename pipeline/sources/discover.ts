import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Table } from '../types.js';

/** One raw input file, assigned to the table it belongs to. */
export interface SourceFile {
  table: Table;
  /** base name */
  file: string;
  path: string;
}

export type SourceTables = Record<Table, SourceFile[]>;

// Each table may come split into parts (movies_dataset.partial.csv.gz, movies_dataset.extra-*.csv.gz, ...).
const TABLE_PATTERNS: [Table, RegExp][] = [
  ['movies', /^(movies_dataset|movies_metadata).*\.csv(\.gz)?$/],
  ['credits', /^credits.*\.csv(\.gz)?$/],
  ['keywords', /^keywords.*\.csv(\.gz)?$/],
];

export function tableOf(fileName: string): Table | null {
  for (const [table, re] of TABLE_PATTERNS) if (re.test(fileName)) return table;
  return null;
}

/**
 * The input files of a data dir by table, each table's parts sorted by file name (so the
 * "first" of two duplicate rows is well defined). With `allowEmpty`, a dir without movies (or
 * missing) gives empty tables; otherwise that throws.
 */
export async function discoverInputs(dataDir: string, allowEmpty = false): Promise<SourceTables> {
  let names: string[];
  try {
    names = await readdir(dataDir);
  } catch (e) {
    if (allowEmpty) return { movies: [], credits: [], keywords: [] };
    throw new Error(`data dir ${dataDir} cannot be read (set MARQUEE_DATA_DIR): ${(e as Error).message}`);
  }
  const tables: SourceTables = { movies: [], credits: [], keywords: [] };
  for (const file of names.sort()) {
    const table = tableOf(file);
    if (table) tables[table].push({ table, file, path: path.join(dataDir, file) });
  }
  if (tables.movies.length === 0 && !allowEmpty) {
    throw new Error(
      `no movies input in ${dataDir}: expected movies_dataset*.csv[.gz] or movies_metadata*.csv[.gz] (set MARQUEE_DATA_DIR), or platform title lists (amazon/disney/hulu/netflix_titles.csv[.gz]) in MARQUEE_PLATFORMS_DIR`,
    );
  }
  return tables;
}

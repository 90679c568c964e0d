// Reads the real TMDB rows the synthetic data is recombined from (csv-parse over gunzip streams).
import { createReadStream, readdirSync } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { PERSON_RE } from './people.js';
import { pyUnquote } from './pystr.js';

export interface RealCredits {
  cast: string;
  crew: string;
  id: string;
}

export interface NamePools {
  /** first names by TMDB gender code ('0' unknown, '1' female, '2' male) */
  first: Record<string, string[]>;
  last: string[];
}

export interface RealData {
  moviesHeader: string[];
  /** rows with exactly the header's field count */
  movies: string[][];
  creditsHeader: string[];
  credits: RealCredits[];
  keywordsHeader: string[];
  /** keyword literal by movie id (exact duplicate rows collapse) */
  keywordsById: Map<string, string>;
  names: NamePools;
}

const TABLE_RE = {
  movies: /^(movies_dataset|movies_metadata).*\.csv(\.gz)?$/,
  credits: /^credits.*\.csv(\.gz)?$/,
  keywords: /^keywords.*\.csv(\.gz)?$/,
};

/** The real input files of a table in `dir`, by name; synthetic files are never recombined. */
export function tableFiles(dir: string, table: keyof typeof TABLE_RE): string[] {
  return readdirSync(dir)
    .filter((f) => TABLE_RE[table].test(f) && !f.includes('synth'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Rows of a CSV(.gz) file, header first. */
export function readCsvRows(file: string): AsyncIterable<string[]> {
  const input = createReadStream(file);
  const text = file.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  return text.pipe(parse({ relax_column_count: true }));
}

async function readTable(dir: string, table: keyof typeof TABLE_RE): Promise<{ header: string[]; rows: string[][] }> {
  const files = tableFiles(dir, table);
  if (files.length === 0) throw new Error(`no ${table} files (${TABLE_RE[table]}) in ${dir}`);
  let header: string[] | null = null;
  const rows: string[][] = [];
  for (const file of files) {
    let first = true;
    for await (const row of readCsvRows(file)) {
      if (first) {
        first = false;
        if (header && row.join(',') !== header.join(',')) {
          throw new Error(`${file}: header ${row.join(',')} differs from ${header.join(',')}`);
        }
        header = row;
        continue;
      }
      // Only well-formed rows are recombined; the generator adds its own dirt on purpose.
      if (row.length === header!.length) rows.push(row);
    }
  }
  return { header: header!, rows };
}

const LATIN_NAME = /^\p{Script=Latin}[\p{Script=Latin}\p{M}'. -]*$/u;

/** First and last names from the people in the credit literals (Latin-script names only, so mixes read naturally). */
function namePools(credits: RealCredits[]): NamePools {
  const first: Record<string, Set<string>> = { '0': new Set(), '1': new Set(), '2': new Set() };
  const last = new Set<string>();
  for (const c of credits) {
    for (const lit of [c.cast, c.crew]) {
      for (const m of lit.matchAll(PERSON_RE)) {
        const name = pyUnquote(m[4]).trim();
        if (name.includes('\\') || !LATIN_NAME.test(name)) continue;
        const sp = name.indexOf(' ');
        if (sp <= 0) continue;
        (first[m[1]] ?? first['0']).add(name.slice(0, sp));
        last.add(name.slice(sp + 1));
      }
    }
  }
  const all = [...first['0'], ...first['1'], ...first['2']];
  const pool = (s: Set<string>) => (s.size >= 20 ? [...s] : all);
  return { first: { '0': all, '1': pool(first['1']), '2': pool(first['2']) }, last: [...last] };
}

export async function loadRealData(dir: string): Promise<RealData> {
  const [movies, credits, keywords] = await Promise.all([
    readTable(dir, 'movies'),
    readTable(dir, 'credits'),
    readTable(dir, 'keywords'),
  ]);
  const ci = (h: string) => credits.header.indexOf(h);
  const creditRows = credits.rows.map((r) => ({ cast: r[ci('cast')], crew: r[ci('crew')], id: r[ci('id')] }));
  const ki = keywords.header.indexOf('id');
  const kk = keywords.header.indexOf('keywords');
  const keywordsById = new Map<string, string>();
  for (const r of keywords.rows) keywordsById.set(r[ki], r[kk]);
  return {
    moviesHeader: movies.header,
    movies: movies.rows,
    creditsHeader: credits.header,
    credits: creditRows,
    keywordsHeader: keywords.header,
    keywordsById,
    names: namePools(creditRows),
  };
}

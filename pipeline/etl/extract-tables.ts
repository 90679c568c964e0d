// Extract, per table: stream the raw parts, check each row, parse its literals, dedupe, write JSON lines.
// Results go to a TableSink; records come from a RecordSource (this thread or a CSV reader thread).
import { hash } from 'node:crypto';
import { readCsvRecords, type CsvRecord, type CsvSkip, type FileDigest } from '../sources/csv.js';
import type { SourceFile } from '../sources/discover.js';
import { parseDictList, parsePyLiteral, pyTypeName, type PyValue } from '../sources/pyliteral.js';
import type { InputFile, QuarantineRecord, Table } from '../types.js';
import {
  CAST_KEYS,
  CREW_KEYS,
  KEYWORD_KEYS,
  MOVIE_NESTED_COLUMNS,
  type ExtractedCredits,
  type ExtractedKeywords,
  type ExtractedMovie,
  type MovieNestedColumn,
} from './extracted.js';
import { BufferedJsonlWriter } from './lines.js';
import { checkFields } from './field-limits.js';
import { checkRow, literalFailure, quarantineRecord } from './rows.js';

/** Where records come from: readCsvRecords on this thread, or CsvReaderThread.read. */
export type RecordSource = (filePath: string, digest: FileDigest, onSkip: (s: CsvSkip) => void) => AsyncIterable<CsvRecord>;

/** Where a table's outcome goes: counters, quarantined rows, rows-read progress. */
export interface TableSink {
  add(key: string, n?: number): void;
  reject(q: QuarantineRecord): void;
  /** called once per row read */
  rowRead(table: Table, file: string): void;
  signal?: AbortSignal;
}

/** A plain in-memory sink, with a per-row callback for progress. */
export class CollectingSink implements TableSink {
  readonly counts: Record<string, number> = {};
  readonly rejected: QuarantineRecord[] = [];
  rows = 0;
  constructor(
    private readonly onRow?: (rows: number, table: Table, file: string) => void,
    readonly signal?: AbortSignal,
  ) {}
  add(key: string, n = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }
  reject(q: QuarantineRecord): void {
    this.rejected.push(q);
    this.add(`${q.table}_quarantined`);
  }
  rowRead(table: Table, file: string): void {
    this.rows++;
    this.onRow?.(this.rows, table, file);
  }
}

const REQUIRED_COLUMNS: Record<Table, string[]> = {
  movies: ['id', 'title', 'release_date'],
  credits: ['id', 'cast', 'crew'],
  keywords: ['id', 'keywords'],
};

/**
 * Streams every part of a table (each with its own header), checks header, field count and id,
 * hands good rows to `onRow`, and returns each file's size and sha256.
 */
export async function readTable(
  sink: TableSink,
  table: Table,
  files: SourceFile[],
  onRow: (rec: CsvRecord, id: number, file: string) => Promise<void> | void,
  source: RecordSource = readCsvRecords,
): Promise<InputFile[]> {
  sink.add(`${table}_rows_read`, 0);
  sink.add(`${table}_rows_kept`, 0);
  sink.add(`${table}_quarantined`, 0);
  const inputs: InputFile[] = [];
  for (const src of files) {
    sink.signal?.throwIfAborted();
    const digest: FileDigest = { bytes: 0, sha256: '' };
    let idIndex = -1;
    let header: string[] | null = null;
    const onSkip = (s: CsvSkip) =>
      sink.reject({
        table,
        file: src.file,
        row: s.row,
        reason: 'malformed_row',
        detail: `unreadable CSV record (line ${s.line}): ${s.message}`,
      });
    for await (const rec of source(src.path, digest, onSkip)) {
      if (header !== rec.header) {
        const missing = REQUIRED_COLUMNS[table].filter((c) => !rec.header.includes(c));
        if (missing.length > 0) {
          throw new Error(`${src.file}: header lacks column(s) ${missing.join(', ')} (header: ${rec.header.join(',')})`);
        }
        idIndex = rec.header.indexOf('id');
        header = rec.header;
      }
      sink.add(`${table}_rows_read`);
      sink.rowRead(table, src.file);
      if ((rec.row & 1023) === 0) sink.signal?.throwIfAborted();
      const check = checkRow(rec, idIndex);
      if (!check.ok) {
        sink.reject(quarantineRecord(table, src.file, rec, check.reason, check.detail, check.id));
        continue;
      }
      const bad = checkFields(table, rec.header, rec.fields);
      if (bad) {
        sink.reject(quarantineRecord(table, src.file, rec, bad.reason, `${bad.detail} (line ${rec.line})`, String(check.id)));
        continue;
      }
      const pending = onRow(rec, check.id, src.file);
      if (pending) await pending; // writer backpressure
    }
    inputs.push({ table, file: src.file, path: src.path, bytes: digest.bytes, sha256: digest.sha256 });
    // every invalid sequence counted, whether or not its row was kept for another reason
    sink.add(`${table}_invalid_utf8_sequences`, digest.invalidUtf8 ?? 0);
  }
  return inputs;
}

/** Where the first kept row of an id came from, and a fingerprint that tells exact repeats from conflicts. */
interface Seen {
  file: string;
  row: number;
  fingerprint: string;
}

/**
 * SHA-1 of the fields, one-shot (per-call overhead dominates for the many short movie fields): it
 * tells repeats apart, nothing is signed with it, and with the CPU's SHA extensions it runs at twice
 * md5's speed (a fifth of extract's main thread went to md5 over the credits' text).
 */
function fingerprint(fields: string[]): string {
  return hash('sha1', fields.join('\u0000'), 'base64');
}

/**
 * Duplicate ids: the first kept row wins. With `countExactRepeats`, an exact repeat of the kept
 * row is counted (`<table>_duplicate_rows`) and skipped; any other repeat is quarantined.
 * Returns true when the row is a duplicate.
 */
function isDuplicate(
  sink: TableSink,
  table: Table,
  seen: Map<number, Seen>,
  id: number,
  rec: CsvRecord,
  file: string,
  fp: string,
  countExactRepeats: boolean,
): boolean {
  const first = seen.get(id);
  if (!first) return false;
  const identical = first.fingerprint === fp;
  if (identical && countExactRepeats) {
    sink.add(`${table}_duplicate_rows`);
    return true;
  }
  sink.reject(
    quarantineRecord(
      table,
      file,
      rec,
      'duplicate_id',
      `id ${id} already kept from ${first.file} row ${first.row} (${identical ? 'identical row' : 'row differs'}); the first is kept`,
      String(id),
    ),
  );
  return true;
}

const NESTED = new Set<string>(MOVIE_NESTED_COLUMNS);
const NESTED_KEYS: Record<MovieNestedColumn, ReadonlySet<string> | null> = {
  belongs_to_collection: null,
  genres: new Set(['name']),
  production_companies: new Set(['name']),
  production_countries: new Set(['iso_3166_1', 'name']),
  spoken_languages: new Set(['iso_639_1', 'name']),
};

/** The ids of the movies rows written: transform sizes its id-range partitions from it without reading the file again. */
export class IdSpan {
  count = 0;
  min = Infinity;
  max = -Infinity;
  add(id: number): void {
    this.count++;
    if (id < this.min) this.min = id;
    if (id > this.max) this.max = id;
  }
  toJSON(): { count: number; min: number; max: number } {
    return { count: this.count, min: this.min, max: this.max };
  }
}

/** Movies: every repeat of an id is quarantined (duplicate_id), even an identical one. */
export async function extractMovies(
  sink: TableSink,
  files: SourceFile[],
  outPath: string,
  source?: RecordSource,
  ids = new IdSpan(),
): Promise<InputFile[]> {
  const out = new BufferedJsonlWriter<ExtractedMovie>(outPath);
  const seen = new Map<number, Seen>();
  const inputs = await withWriter(out, () => readTable(sink, 'movies', files, (rec, id, file) => {
    const fp = fingerprint(rec.fields);
    if (isDuplicate(sink, 'movies', seen, id, rec, file, fp, false)) return;
    const columns: Record<string, string> = {};
    const nested = {} as Record<MovieNestedColumn, PyValue>;
    for (const c of MOVIE_NESTED_COLUMNS) nested[c] = null;
    for (let i = 0; i < rec.header.length; i++) {
      const name = rec.header[i];
      const text = rec.fields[i];
      if (!NESTED.has(name)) {
        columns[name] = text;
        continue;
      }
      if (text.trim() === '') continue; // empty cell: no collection / no list
      let v: PyValue;
      try {
        // lists of dicts keep only the keys the catalog uses; the collection is one small dict
        const keys = NESTED_KEYS[name as MovieNestedColumn];
        v = keys ? parseDictList(text, keys) : parsePyLiteral(text);
      } catch (e) {
        const f = literalFailure(e, name, rec);
        sink.reject(quarantineRecord('movies', file, rec, f.reason, f.detail, String(id)));
        return;
      }
      if (name === 'belongs_to_collection' && (v === null || typeof v !== 'object' || Array.isArray(v))) {
        const detail = `column ${name}, row ${rec.row} (line ${rec.line}): expected a dict, found ${pyTypeName(v)}`;
        sink.reject(quarantineRecord('movies', file, rec, 'unexpected_literal', detail, String(id)));
        return;
      }
      nested[name as MovieNestedColumn] = v;
    }
    seen.set(id, { file, row: rec.row, fingerprint: fp });
    sink.add('movies_rows_kept');
    ids.add(id);
    return out.write({ id, file, row: rec.row, columns, nested });
  }, source));
  await out.close();
  return inputs;
}

/** Runs `body`; if it fails, the writer's temp file is removed before the error goes on. */
async function withWriter<T>(out: BufferedJsonlWriter<unknown>, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (e) {
    await out.abort();
    throw e;
  }
}

/** Parse a list-of-dicts cell keeping only `keys`; an empty cell is an empty list. */
function dictList(text: string, keys: ReadonlySet<string>): { [k: string]: PyValue }[] {
  return text.trim() === '' ? [] : parseDictList(text, keys);
}

/** Credits: keeps cast {name, order} and the directors of the crew {name, job}; exact repeats counted, conflicts quarantined. */
export async function extractCredits(
  sink: TableSink,
  files: SourceFile[],
  outPath: string,
  source?: RecordSource,
): Promise<InputFile[]> {
  const out = new BufferedJsonlWriter<ExtractedCredits>(outPath);
  const seen = new Map<number, Seen>();
  const inputs = await withWriter(out, () => readTable(sink, 'credits', files, (rec, id, file) => {
    const h = rec.header;
    const castText = rec.fields[h.indexOf('cast')];
    const crewText = rec.fields[h.indexOf('crew')];
    const fp = fingerprint([castText, crewText]);
    if (isDuplicate(sink, 'credits', seen, id, rec, file, fp, true)) return;
    let cast: ExtractedCredits['cast'];
    let crew: ExtractedCredits['crew'];
    let column = 'cast';
    try {
      cast = dictList(castText, CAST_KEYS);
      column = 'crew';
      // the whole crew literal is parsed (and checked); only its directors go on: the catalog keeps
      // no other job, and the rest was over half of the file transform parses again
      crew = dictList(crewText, CREW_KEYS).filter((c) => c.job === 'Director');
    } catch (e) {
      const f = literalFailure(e, column, rec);
      sink.reject(quarantineRecord('credits', file, rec, f.reason, f.detail, String(id)));
      return;
    }
    seen.set(id, { file, row: rec.row, fingerprint: fp });
    sink.add('credits_rows_kept');
    return out.write({ id, file, row: rec.row, cast, crew });
  }, source));
  await out.close();
  return inputs;
}

/** Keywords: 985 ids of the real file repeat as exact duplicate rows: counted and dropped. */
export async function extractKeywords(
  sink: TableSink,
  files: SourceFile[],
  outPath: string,
  source?: RecordSource,
): Promise<InputFile[]> {
  const out = new BufferedJsonlWriter<ExtractedKeywords>(outPath);
  const seen = new Map<number, Seen>();
  const repeatedIds = new Set<number>();
  const inputs = await withWriter(out, () => readTable(sink, 'keywords', files, (rec, id, file) => {
    const text = rec.fields[rec.header.indexOf('keywords')];
    const fp = fingerprint([text]);
    if (isDuplicate(sink, 'keywords', seen, id, rec, file, fp, true)) {
      repeatedIds.add(id);
      return;
    }
    let keywords: ExtractedKeywords['keywords'];
    try {
      keywords = dictList(text, KEYWORD_KEYS);
    } catch (e) {
      const f = literalFailure(e, 'keywords', rec);
      sink.reject(quarantineRecord('keywords', file, rec, f.reason, f.detail, String(id)));
      return;
    }
    seen.set(id, { file, row: rec.row, fingerprint: fp });
    sink.add('keywords_rows_kept');
    return out.write({ id, file, row: rec.row, keywords });
  }, source));
  sink.add('keywords_duplicate_ids', repeatedIds.size);
  await out.close();
  return inputs;
}

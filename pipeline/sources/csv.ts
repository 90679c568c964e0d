import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse, CsvError } from 'csv-parse';
import { Utf8Guard } from './utf8-guard.js';

/** Size and sha256 of a file's bytes as stored (compressed, for .gz), filled in while it streams. */
export interface FileDigest {
  bytes: number;
  sha256: string;
  /** invalid UTF-8 sequences found (each marked with INVALID_UTF8_MARK in the text; see utf8-guard.ts) */
  invalidUtf8?: number;
}

export interface CsvRecord {
  /** the file's header row */
  header: string[];
  fields: string[];
  /** 1-based data row number (header not counted) */
  row: number;
  /** physical line where the record ends (records may span lines) */
  line: number;
}

/** A record the CSV parser could not read at all (bad quoting, ...). */
export interface CsvSkip {
  row: number;
  line: number;
  message: string;
  raw?: string;
}

/** Hashes and counts bytes as they pass, so inputs are read once. */
export class DigestStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

export class CsvReadError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
  ) {
    super(`${file}${line ? ` line ${line}` : ''}: ${message}`);
    this.name = 'CsvReadError';
  }
}

/**
 * Streams the records of a .csv or .csv.gz file (never the whole file in memory). Rows with the
 * wrong number of fields are passed on (the caller decides: they are data problems, not reader
 * problems); records the parser cannot read are reported through `onSkip`. `digest` is filled when
 * the iteration completes.
 */
export async function* readCsvRecords(
  filePath: string,
  digest: FileDigest,
  onSkip?: (s: CsvSkip) => void,
): AsyncGenerator<CsvRecord> {
  const name = filePath.split('/').pop() ?? filePath;
  const source = createReadStream(filePath, { highWaterMark: 1 << 20 });
  const hasher = new DigestStream();
  let rowNo = 0;
  const parser = parse({
    bom: true,
    info: true,
    // Ragged rows reach us and are quarantined; a stray quote inside an unquoted field is text
    // (as Python's csv and pandas read it), so a broken overview cannot derail the whole file.
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
    raw: false,
    on_skip: (err: CsvError | undefined) => {
      rowNo++;
      const line = (err as unknown as { lines?: number } | undefined)?.lines ?? 0;
      onSkip?.({ row: rowNo - 1, line, message: err?.message ?? 'unreadable record' });
      return undefined;
    },
  });
  const pipelineErrors: Error[] = [];
  source.on('error', (e) => parser.destroy(e));
  hasher.on('error', (e) => parser.destroy(e));
  let upstream: NodeJS.ReadableStream = source.pipe(hasher);
  if (filePath.endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: 1 << 18 }); // fewer, bigger chunks: less per-chunk overhead
    gunzip.on('error', (e) => {
      pipelineErrors.push(e);
      parser.destroy(e);
    });
    upstream = upstream.pipe(gunzip);
  }
  const guard = new Utf8Guard();
  guard.on('error', (e) => parser.destroy(e));
  upstream.pipe(guard).pipe(parser);

  let header: string[] | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      rowNo++;
      if (header === null) {
        header = record.map((h) => h.trim());
        continue;
      }
      yield { header, fields: record, row: rowNo - 1, line: info.lines };
    }
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new CsvReadError(name, err.lines, err.message);
  } finally {
    source.destroy();
  }
  digest.bytes = hasher.bytes;
  digest.sha256 = hasher.digest();
  digest.invalidUtf8 = guard.invalidSequences;
}

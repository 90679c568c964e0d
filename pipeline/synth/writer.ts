// Streams CSV records to a file: csv-stringify -> (byte count + sha256 of the plain text) -> gzip -> disk.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { stringify, type Stringifier } from 'csv-stringify';

export interface WrittenFile {
  file: string;
  /** CSV records after the header (a shifted-column movie counts twice: it is two records) */
  records: number;
  /** uncompressed bytes */
  bytes: number;
  /** bytes on disk */
  fileBytes: number;
  /** sha256 of the uncompressed bytes */
  sha256: string;
}

export class CsvFileWriter {
  records = 0;
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly csv: Stringifier;
  private readonly done: Promise<void>;
  private readonly tmp: string;

  /** gzipLevel null writes plain CSV. The file appears under its name only once closed. */
  constructor(readonly file: string, header: string[], gzipLevel: number | null) {
    this.tmp = `${file}.tmp-${process.pid}`;
    // csv-stringify's defaults reproduce the real files byte for byte (QUOTE_MINIMAL, LF).
    this.csv = stringify();
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.bytes += chunk.length;
        this.hash.update(chunk);
        cb(null, chunk);
      },
    });
    const out = createWriteStream(this.tmp);
    this.done =
      gzipLevel === null
        ? pipeline(this.csv, tap, out)
        : pipeline(this.csv, tap, createGzip({ level: gzipLevel }), out);
    this.csv.write(header);
  }

  async write(fields: string[]): Promise<void> {
    this.records++;
    if (!this.csv.write(fields)) await once(this.csv, 'drain');
  }

  async close(): Promise<WrittenFile> {
    this.csv.end();
    await this.done;
    await rename(this.tmp, this.file);
    const fileBytes = (await stat(this.file)).size;
    return { file: this.file, records: this.records, bytes: this.bytes, fileBytes, sha256: this.hash.digest('hex') };
  }
}

/** Pre-formatted text in large blocks -> (count + sha256) -> gzip -> disk, for plain numeric tables. */
export class TextBlockWriter {
  private bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly gzip: ReturnType<typeof createGzip>;
  private readonly done: Promise<void>;
  private readonly tmp: string;

  constructor(readonly file: string, gzipLevel: number | null) {
    this.tmp = `${file}.tmp-${process.pid}`;
    this.gzip = createGzip({ level: gzipLevel ?? 1 });
    this.done = pipeline(this.gzip, createWriteStream(this.tmp));
  }

  async write(text: string): Promise<void> {
    const b = Buffer.from(text, 'utf8');
    this.bytes += b.length;
    this.hash.update(b);
    if (!this.gzip.write(b)) await once(this.gzip, 'drain');
  }

  async close(records: number): Promise<WrittenFile> {
    this.gzip.end();
    await this.done;
    await rename(this.tmp, this.file);
    const fileBytes = (await stat(this.file)).size;
    return { file: this.file, records, bytes: this.bytes, fileBytes, sha256: this.hash.digest('hex') };
  }
}

import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';

/**
 * JSON-lines writer for the big intermediate files: batches lines into ~1 MB writes (one
 * stream.write per record spends its time in syscalls and drain waits), temp file + rename on close.
 */
export class BufferedJsonlWriter<T> {
  private readonly tmp: string;
  private readonly stream: WriteStream;
  private buf = '';
  count = 0;
  constructor(
    private readonly file: string,
    private readonly flushAt = 1 << 20,
  ) {
    this.tmp = `${file}.tmp-${process.pid}`;
    this.stream = createWriteStream(this.tmp, 'utf8');
  }
  /** Resolves at once unless a flush is under backpressure. */
  write(record: T): Promise<void> | void {
    this.count++;
    this.buf += JSON.stringify(record) + '\n';
    if (this.buf.length >= this.flushAt) return this.flush();
  }
  private async flush(): Promise<void> {
    const chunk = this.buf;
    this.buf = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  /** Appends a file's bytes (JSON lines another writer wrote) after the records written so far. */
  async appendFile(file: string, records: number): Promise<void> {
    if (this.buf.length > 0) await this.flush();
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    }
    this.count += records;
  }
  async close(): Promise<void> {
    if (this.buf.length > 0) this.stream.write(this.buf);
    this.buf = '';
    this.stream.end();
    await once(this.stream, 'finish');
    await rename(this.tmp, this.file);
  }
  /** Give up: close the stream and remove the temp file (the target is left as it was). */
  async abort(): Promise<void> {
    this.buf = '';
    this.stream.destroy();
    await rm(this.tmp, { force: true });
  }
}

/**
 * Streams the non-empty lines of a file: 1 MB reads split on '\n' (readline's per-line machinery
 * costs more than the JSON.parse on these files).
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (nl > start) yield text.slice(start, nl);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest.trim().length > 0) yield rest;
}

/** Streams the records of a JSON-lines file. */
export async function* readJsonLines<T>(file: string): AsyncGenerator<T> {
  for await (const line of readLines(file)) yield JSON.parse(line) as T;
}

import { createWriteStream, type WriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
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
  async close(): Promise<void> {
    if (this.buf.length > 0) this.stream.write(this.buf);
    this.buf = '';
    this.stream.end();
    await once(this.stream, 'finish');
    await rename(this.tmp, this.file);
  }
}

import { createReadStream, createWriteStream, readSync } from 'node:fs';
import { mkdir, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { once } from 'node:events';

/** Write JSON through a temp file + rename, so readers see the old file or the new, never half. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, file);
}

/** Stream the records of a JSON-lines file. */
export async function* readJsonl<T>(file: string): AsyncGenerator<T> {
  const rl = readline.createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.length > 0) yield JSON.parse(line) as T;
  }
}

export async function readAllJsonl<T>(file: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of readJsonl<T>(file)) out.push(r);
  return out;
}

/** A JSON-lines writer with backpressure; `close()` renames the temp file into place. */
export class JsonlWriter<T> {
  private readonly tmp: string;
  private readonly stream;
  count = 0;
  constructor(private readonly file: string) {
    this.tmp = `${file}.tmp-${process.pid}`;
    this.stream = createWriteStream(this.tmp, 'utf8');
  }
  async write(record: T): Promise<void> {
    this.count++;
    if (!this.stream.write(JSON.stringify(record) + '\n')) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
    await rename(this.tmp, this.file);
  }
}

/** Non-empty lines of a text file, counted while streaming. */
export async function countLines(file: string): Promise<number> {
  const { createReadStream } = await import('node:fs');
  let n = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === 0x0a && last !== 0x0a) n++;
      last = chunk[i];
    }
  }
  return last !== 0x0a ? n + 1 : n;
}

/**
 * Fills `into` from `position` of an open file, in 64 MB reads (a single read is capped near 2 GB):
 * straight into the caller's (aligned, possibly shared) buffer, no file-sized Buffer beside it.
 */
/** readFully for a descriptor, synchronously: positioned reads of a few hundred bytes on a call's path. */
export function readFullySync(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error('file ended early');
    done += n;
  }
}

export async function readFully(fh: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await fh.read(into, done, Math.min(into.length - done, 1 << 26), position + done);
    if (bytesRead === 0) throw new Error('file ended early');
    done += bytesRead;
  }
}

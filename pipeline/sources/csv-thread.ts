// CSV decoding (gunzip + csv-parse) on a worker thread, records consumed on this one: the same
// records as readCsvRecords, so the caller's row checks and literal parsing overlap with the
// decoding on a second core.
import type { Worker } from 'node:worker_threads';
import { entryUrl, startThread } from '../runtime/entry.js';
import type { CsvRecord, CsvSkip, FileDigest } from './csv.js';
import type { FromCsvWorker, ToCsvWorker } from './csv-worker.js';

type Batch = Extract<FromCsvWorker, { type: 'batch' }>;

interface Consumer {
  queue: (FromCsvWorker & { stream: number })[];
  wake: (() => void) | null;
}

export class CsvReaderThread {
  private readonly worker: Worker;
  private readonly consumers = new Map<number, Consumer>();
  private nextStream = 1;
  private failure: Error | null = null;

  constructor() {
    this.worker = startThread(entryUrl('./csv-worker.ts', import.meta.url), {});
    this.worker.on('message', (m: FromCsvWorker) => {
      const c = this.consumers.get(m.stream);
      if (!c) return;
      c.queue.push(m);
      this.wakeUp(c);
    });
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const c of this.consumers.values()) this.wakeUp(c);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`CSV reader thread exited (code ${code})`)));
  }

  private wakeUp(c: Consumer): void {
    const w = c.wake;
    c.wake = null;
    w?.();
  }

  private post(m: ToCsvWorker): void {
    this.worker.postMessage(m);
  }

  /** Like readCsvRecords: streams one file's records; `digest` is filled when the file is done. */
  async *read(filePath: string, digest: FileDigest, onSkip?: (s: CsvSkip) => void): AsyncGenerator<CsvRecord> {
    const stream = this.nextStream++;
    const c: Consumer = { queue: [], wake: null };
    this.consumers.set(stream, c);
    this.post({ type: 'open', stream, path: filePath });
    let header: string[] = [];
    let finished = false;
    try {
      for (;;) {
        while (c.queue.length === 0) {
          if (this.failure) throw this.failure;
          await new Promise<void>((r) => (c.wake = r));
        }
        const m = c.queue.shift()!;
        if (m.type === 'header') {
          header = m.header;
        } else if (m.type === 'batch') {
          this.post({ type: 'ack', stream });
          for (const s of (m as Batch).skips) onSkip?.(s);
          for (const r of (m as Batch).records) yield { header, fields: r.fields, row: r.row, line: r.line };
        } else if (m.type === 'end') {
          for (const s of m.skips) onSkip?.(s);
          Object.assign(digest, m.digest);
          finished = true;
          return;
        } else {
          finished = true;
          throw Object.assign(new Error(m.message), { name: m.name, line: m.line });
        }
      }
    } finally {
      if (!finished) this.post({ type: 'cancel', stream });
      this.consumers.delete(stream);
    }
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

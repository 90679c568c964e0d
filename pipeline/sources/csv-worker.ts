// Worker-thread side of CsvReaderThread: gunzip + csv-parse for any number of files at once, each
// streamed back to the parent in batches with flow control (at most MAX_IN_FLIGHT unacknowledged).
import { parentPort } from 'node:worker_threads';
import { readCsvRecords, type CsvSkip, type FileDigest } from './csv.js';

export type ToCsvWorker = { type: 'open'; stream: number; path: string } | { type: 'ack'; stream: number } | { type: 'cancel'; stream: number };

export interface WireRecord {
  fields: string[];
  row: number;
  line: number;
}

export type FromCsvWorker =
  | { type: 'header'; stream: number; header: string[] }
  | { type: 'batch'; stream: number; records: WireRecord[]; skips: CsvSkip[] }
  | { type: 'end'; stream: number; digest: FileDigest; skips: CsvSkip[] }
  | { type: 'error'; stream: number; message: string; name: string; line?: number };

const BATCH_CHARS = 1 << 20;
const BATCH_RECORDS = 4096;
const MAX_IN_FLIGHT = 3;

const port = parentPort!;

interface StreamState {
  inFlight: number;
  wake: (() => void) | null;
  cancelled: boolean;
}
const streams = new Map<number, StreamState>();

async function pump(stream: number, filePath: string): Promise<void> {
  const st: StreamState = { inFlight: 0, wake: null, cancelled: false };
  streams.set(stream, st);
  const digest: FileDigest = { bytes: 0, sha256: '' };
  let skips: CsvSkip[] = [];
  let batch: WireRecord[] = [];
  let chars = 0;
  let header: string[] | null = null;
  const send = async () => {
    port.postMessage({ type: 'batch', stream, records: batch, skips } satisfies FromCsvWorker);
    batch = [];
    skips = [];
    chars = 0;
    st.inFlight++;
    while (st.inFlight >= MAX_IN_FLIGHT && !st.cancelled) await new Promise<void>((r) => (st.wake = r));
  };
  try {
    for await (const rec of readCsvRecords(filePath, digest, (s) => skips.push(s))) {
      if (st.cancelled) return;
      if (header !== rec.header) {
        if (batch.length > 0) await send();
        header = rec.header;
        port.postMessage({ type: 'header', stream, header } satisfies FromCsvWorker);
      }
      batch.push({ fields: rec.fields, row: rec.row, line: rec.line });
      for (const f of rec.fields) chars += f.length;
      if (chars >= BATCH_CHARS || batch.length >= BATCH_RECORDS) await send();
    }
    if (st.cancelled) return;
    if (batch.length > 0) await send();
    port.postMessage({ type: 'end', stream, digest, skips } satisfies FromCsvWorker);
  } catch (e) {
    const err = e as Error & { line?: number };
    port.postMessage({ type: 'error', stream, message: err.message, name: err.name, line: err.line } satisfies FromCsvWorker);
  } finally {
    streams.delete(stream);
  }
}

port.on('message', (m: ToCsvWorker) => {
  if (m.type === 'open') {
    void pump(m.stream, m.path);
    return;
  }
  const st = streams.get(m.stream);
  if (!st) return;
  if (m.type === 'ack') st.inFlight--;
  else st.cancelled = true;
  const wake = st.wake;
  st.wake = null;
  wake?.();
});

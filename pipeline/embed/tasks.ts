// The CPU-heavy jobs that run off the caller's event loop (thread.ts), and the messages they send back.
import type { EmbedJob, EmbedOutcome } from './embed-movies.js';
import type { EmbedRowsJob, EmbedRowsOutcome } from './embed-rows.js';
import type { IndexJob, IndexOutcome } from '../index/hnsw.js';
import type { TrainJob, TrainOutcome } from '../ratings/train.js';

export type WorkerTask =
  | { kind: 'embed'; job: EmbedJob }
  | { kind: 'embed-rows'; job: EmbedRowsJob }
  | { kind: 'index'; job: IndexJob }
  | { kind: 'train'; job: TrainJob };

export type TaskResult<T extends WorkerTask> = T extends { kind: 'embed' }
  ? EmbedOutcome
  : T extends { kind: 'embed-rows' }
    ? EmbedRowsOutcome
    : T extends { kind: 'train' }
      ? TrainOutcome
      : IndexOutcome;

export type WorkerEvent =
  | { type: 'progress'; done: number; total: number; message: string }
  | { type: 'log'; level: 'info' | 'warn'; msg: string; fields?: Record<string, unknown> }
  | { type: 'done'; result: EmbedOutcome | EmbedRowsOutcome | IndexOutcome | TrainOutcome; peakRssBytes?: number }
  | { type: 'error'; message: string; stack?: string };

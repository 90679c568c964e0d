// Range partitions by movie id, so transform joins one slice of the catalog at a time: its memory is
// one partition's movies, not the whole catalog's (3.4 GB at 10^6 movies in one Map).
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { BufferedJsonlWriter, readLines } from './lines.js';

/** Movies joined in memory at once: ~350 MB of Movie objects with their credits. */
export const MOVIES_PER_PARTITION = 100_000;

/** Ids of a JSON-lines file whose records begin `{"id":N` (extract's), without parsing the rest. */
export async function scanIds(file: string): Promise<{ count: number; min: number; max: number }> {
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  for await (const line of readLines(file)) {
    const m = /^\{"id":(-?\d+)[,}]/.exec(line);
    const id = m ? Number(m[1]) : (JSON.parse(line) as { id: number }).id;
    count++;
    if (id < min) min = id;
    if (id > max) max = id;
  }
  return { count, min, max };
}

/** Splits [min, max] into `parts` contiguous id ranges; partition i holds smaller ids than i+1. */
export class IdRanges {
  readonly parts: number;
  private readonly width: number;
  constructor(
    private readonly min: number,
    max: number,
    count: number,
    perPartition = MOVIES_PER_PARTITION,
  ) {
    this.parts = count > 0 ? Math.max(1, Math.ceil(count / perPartition)) : 1;
    this.width = count > 0 ? (max - min + 1) / this.parts : 1;
  }
  of(id: number): number {
    if (!Number.isFinite(id)) return 0;
    return Math.min(this.parts - 1, Math.max(0, Math.floor((id - this.min) / this.width)));
  }
}

/** Partition `i`'s file of the `name` records under `dir`. */
export function partitionFile(dir: string, name: string, i: number): string {
  return path.join(dir, `${name}-${i}.jsonl`);
}

/** One JSON-lines file per partition under `dir` (removed by close()). */
export class PartitionFiles<T> {
  private readonly writers: BufferedJsonlWriter<T>[];
  constructor(
    private readonly dir: string,
    private readonly name: string,
    parts: number,
  ) {
    // smaller write batches: several files are open at once
    this.writers = Array.from({ length: parts }, (_, i) => new BufferedJsonlWriter<T>(this.file(i), 1 << 18));
  }
  static async create<T>(dir: string, name: string, parts: number): Promise<PartitionFiles<T>> {
    await mkdir(dir, { recursive: true });
    return new PartitionFiles<T>(dir, name, parts);
  }
  file(i: number): string {
    return partitionFile(this.dir, this.name, i);
  }
  write(part: number, record: T): Promise<void> | void {
    return this.writers[part].write(record);
  }
  async finish(): Promise<void> {
    for (const w of this.writers) await w.close();
  }
  async abort(): Promise<void> {
    for (const w of this.writers) await w.abort();
  }
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

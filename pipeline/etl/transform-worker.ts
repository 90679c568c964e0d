// Transform's helper thread: routes the credits and keywords to their partitions while the stage's
// thread cleans the movies, or joins the later run of partitions while the stage's thread joins the
// earlier one (its columns and tallies sent back, its JSON lines left in a file to append).
import { CatalogColumnsBuilder, type CatalogColumnsSnapshot } from '../catalog-columns/builder.js';
import { helperMain } from '../runtime/helper-thread.js';
import type { Movie } from '../types.js';
import { joinPartitions, rangesOf, routeCreditsAndKeywords, type RangeSpec } from './join.js';
import { BufferedJsonlWriter } from './lines.js';

export type TransformTask =
  | { kind: 'route'; credits: string; keywords: string; ranges: RangeSpec; tmpDir: string }
  | { kind: 'join'; tmpDir: string; from: number; to: number; jsonl: string | null };

export interface JoinResult {
  columns: CatalogColumnsSnapshot;
  counts: Record<string, number>;
  jsonlRecords: number;
}

const PROGRESS_EVERY = 10_000;

await helperMain<TransformTask, JoinResult | undefined>(async (t, progress) => {
  let done = 0;
  const row = () => {
    if (++done % PROGRESS_EVERY === 0) progress(done);
  };
  if (t.kind === 'route') {
    await routeCreditsAndKeywords(t, rangesOf(t.ranges), t.tmpDir, row);
    progress(done);
    return undefined;
  }
  const counts: Record<string, number> = {};
  const columns = new CatalogColumnsBuilder();
  const jsonl = t.jsonl ? new BufferedJsonlWriter<Movie>(t.jsonl) : null;
  try {
    await joinPartitions(t.tmpDir, t.from, t.to, columns, jsonl, (k, n = 1) => void (counts[k] = (counts[k] ?? 0) + n), (n) => progress((done += n)));
  } catch (e) {
    await jsonl?.abort();
    throw e;
  }
  await jsonl?.close();
  return { columns: columns.snapshot(), counts, jsonlRecords: jsonl?.count ?? 0 };
  // the columns are moved, not copied: a copy would be a second half-catalog in memory at once
}, (r) => (r ? CatalogColumnsBuilder.buffersOf(r.columns) : []));

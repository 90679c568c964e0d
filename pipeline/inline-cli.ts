import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';
import { runInline } from './inline.js';
import { createLogger } from './log.js';
import { createProgressPrinter } from './progress.js';
import type { Manifest } from './types.js';

export const INLINE_USAGE = `npm run pipeline -- --inline [options]
  Runs every stage in-process (no Redis) and publishes a new artifact version.
  --data-dir DIR        raw input (env MARQUEE_DATA_DIR; default data/raw, else ../shared/data/tmdb)
  --artifacts-dir DIR   output (env MARQUEE_ARTIFACTS_DIR; default data/artifacts)
  --embedder NAME       auto | transformers | catalog (env MARQUEE_EMBEDDER)
  --model-dir DIR       local model directory (env MARQUEE_MODEL_DIR)
  --keep N              published versions to keep (env MARQUEE_KEEP_VERSIONS; default 3)
  --json                print the manifest as JSON instead of the summary`;

/** Flags shared by every CLI that builds a Config. */
export const CONFIG_FLAGS = {
  'data-dir': { type: 'string' },
  'artifacts-dir': { type: 'string' },
  embedder: { type: 'string' },
  'model-dir': { type: 'string' },
  keep: { type: 'string' },
} as const;

export function configFromFlags(values: Record<string, string | boolean | undefined>): Config {
  const s = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const keep = s('keep');
  if (keep !== undefined && !/^\d+$/.test(keep)) throw new ConfigError(`--keep ${keep}: expected a whole number`);
  return loadConfig({
    ...(s('data-dir') && { dataDir: s('data-dir') }),
    ...(s('artifacts-dir') && { artifactsDir: s('artifacts-dir') }),
    ...(s('embedder') && { embedder: s('embedder') as Config['embedder'] }),
    ...(s('model-dir') && { modelDir: s('model-dir') }),
    ...(keep !== undefined && { keepVersions: Number(keep) }),
  });
}

export function formatSummary(m: Manifest, totalMs: number): string {
  const n = new Intl.NumberFormat('en-US');
  const lines = [`Published version ${m.version} (run ${m.runId}) in ${(totalMs / 1000).toFixed(1)} s`];
  lines.push('Inputs:');
  for (const i of m.inputs) lines.push(`  ${i.table.padEnd(9)} ${i.file} (${n.format(i.bytes)} bytes)`);
  lines.push('Counts:');
  for (const [k, v] of Object.entries(m.counts)) lines.push(`  ${k.padEnd(34)} ${n.format(v)}`);
  const q = Object.entries(m.quarantine);
  lines.push(q.length ? 'Quarantined by reason:' : 'Quarantined: none');
  for (const [k, v] of q) lines.push(`  ${k.padEnd(34)} ${n.format(v)}`);
  lines.push('Stages:');
  for (const [k, r] of Object.entries(m.stages)) {
    const skipped = r?.info?.skipped ? ' (skipped)' : '';
    lines.push(`  ${k.padEnd(10)} ${(r!.ms / 1000).toFixed(2).padStart(8)} s${skipped}`);
  }
  lines.push(`Peak RSS: ${(m.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
  return lines.join('\n');
}

export async function runInlineCli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { inline: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, ...CONFIG_FLAGS },
    strict: true,
  });
  if (values.help) {
    console.log(INLINE_USAGE);
    return 0;
  }
  const config = configFromFlags(values);
  const printer = createProgressPrinter();
  const t0 = performance.now();
  // A person watches progress and the summary; JSON logs stay quiet unless LOG_LEVEL asks for them.
  const log = createLogger('pipeline', process.env.LOG_LEVEL ?? 'warn');
  const { manifest } = await runInline(config, { onProgress: (p) => printer.update(p), log });
  printer.done();
  console.log(values.json ? JSON.stringify(manifest, null, 2) : formatSummary(manifest, performance.now() - t0));
  return 0;
}

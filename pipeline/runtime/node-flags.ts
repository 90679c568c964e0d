/**
 * The V8 flag the pipeline's processes are started with (npm run pipeline, npm run workers,
 * docker-compose's workers and inline run, bench:scale; a test checks they agree). The stages parse
 * and write gigabytes of JSON lines and CSV at 10^6 movies: nearly everything they allocate dies
 * young, and V8's 16 MB semi-spaces promote what a scavenge finds mid-record. With 32 MB, transform
 * at 10^6 movies took 124.6 → 114.9 s and extract 142.4 → 136.1 s (64 MB: no better). The serving
 * process wants the opposite (service/gc-tuning.ts): short pauses, not throughput.
 */
export const PIPELINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

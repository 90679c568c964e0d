import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests share one Redis and spawn servers/workers: keep files from fighting over 2 cores.
    fileParallelism: false,
    pool: 'forks',
  },
});

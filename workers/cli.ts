// `npm run pipeline -- ...`: --inline builds in-process (no Redis); anything else is an ops command
// against the BullMQ queues (rebuild, status, watch, runs), loaded lazily so --inline never needs Redis.
import { ConfigError } from '../pipeline/config.js';
import { runInlineCli } from '../pipeline/inline-cli.js';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--inline')) return runInlineCli(argv);
  const { runOpsCli } = await import('./ops-cli.js');
  return runOpsCli(argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof ConfigError || (err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    console.error(known ? `error: ${(err as Error).message}` : err);
    process.exit(known ? 2 : 1);
  },
);

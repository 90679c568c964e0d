// `npm start`: the main job on a fresh machine. Serves at once (NOT_SERVING, health says so) and,
// if nothing is published yet, builds the catalog in-process first (the embedded pipeline, no
// Redis needed), then loads it and turns SERVING.
import { runInline } from '../pipeline/inline.js';
import { readCurrent } from '../pipeline/artifacts/store.js';
import { createLogger } from '../pipeline/log.js';
import { parseServiceArgs, runMain, serve } from './run.js';

await runMain(async () => {
  const args = parseServiceArgs();
  const log = createLogger('service', args.config.logLevel);
  const published = await readCurrent(args.config.artifactsDir);
  const running = await serve(args, log);
  if (published) return;
  log.info(
    { dataDir: args.config.dataDir, artifactsDir: args.config.artifactsDir },
    'nothing published yet: running the pipeline inline first (NOT_SERVING until it publishes)',
  );
  const r = await runInline(args.config, { log: createLogger('pipeline', args.config.logLevel) });
  log.info({ version: r.version }, 'pipeline published a version: loading it');
  await running.holder.loadCurrent();
});

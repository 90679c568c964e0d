// `npm start`: the main job on a fresh machine. If nothing is published yet, build the catalog
// in-process first (the embedded pipeline, no Redis needed), then serve it.
import { runInline } from '../pipeline/inline';
import { readCurrent } from '../pipeline/artifacts/store';
import { createLogger } from '../pipeline/log';
import { parseServiceArgs, runMain, serve } from './run';

await runMain(async () => {
  const args = parseServiceArgs();
  const log = createLogger('service', args.config.logLevel);
  const current = await readCurrent(args.config.artifactsDir);
  if (current) {
    log.info({ version: current }, 'a catalog is published: serving it');
  } else {
    log.info({ dataDir: args.config.dataDir, artifactsDir: args.config.artifactsDir }, 'nothing published yet: running the pipeline inline first');
    const r = await runInline(args.config, { log: createLogger('pipeline', args.config.logLevel) });
    log.info({ version: r.version }, 'pipeline published a version');
  }
  await serve(args, log);
});

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../pipeline/config.js';
import { createLogger, type Logger } from '../pipeline/log.js';
import { loadSecuritySettings, type SecuritySettings } from './security/settings.js';
import { startServer, type RunningServer } from './server.js';
import { applyGcGrowing, gcGrowingPercentFrom, missingServiceFlags } from './gc-tuning.js';

const USAGE = `usage: npm run service -- [--addr host:port] [--http-addr host:port|off] [--artifacts dir] [--watch-ms n] [--log-level level]
  --addr       gRPC listen address (env MARQUEE_GRPC_ADDR, default 0.0.0.0:50051)
  --http-addr  HTTP/JSON listen address: every RPC as JSON, the web page, /metrics, /admin/queues
               (env MARQUEE_HTTP_ADDR, default 0.0.0.0:8080; off: gRPC only)
  --artifacts  artifacts dir holding CURRENT and the versions (env MARQUEE_ARTIFACTS_DIR, default data/artifacts)
  --watch-ms   how often to check CURRENT for a new version, ms (default 2000)
  --log-level  fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info; debug logs one line per call)
  env MARQUEE_GC_HEAP_GROWING_PERCENT  old-generation growth between full collections, percent (default 0: V8's own)`;

export interface ServiceArgs {
  config: Config;
  watchMs: number;
  security: SecuritySettings;
  /** MARQUEE_GC_HEAP_GROWING_PERCENT (gc-tuning.ts; 0: V8's own) */
  gcGrowingPercent: number;
}

/** Flags win over environment variables; both are validated with messages naming them. */
export function parseServiceArgs(argv = process.argv.slice(2)): ServiceArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      addr: { type: 'string' },
      'http-addr': { type: 'string' },
      artifacts: { type: 'string' },
      'watch-ms': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  let config: Config;
  try {
    config = loadConfig({
      ...(values.addr !== undefined && { grpcAddr: values.addr }),
      ...(values['http-addr'] !== undefined && { httpAddr: values['http-addr'] }),
      ...(values.artifacts !== undefined && { artifactsDir: values.artifacts }),
      ...(values['log-level'] !== undefined && { logLevel: values['log-level'] }),
    });
  } catch (err) {
    // loadConfig names the variable; say so when the value came from a flag instead
    if (err instanceof ConfigError) {
      let msg = err.message;
      if (values.addr !== undefined) msg = msg.replace(/^MARQUEE_GRPC_ADDR=/, '--addr=');
      if (values['http-addr'] !== undefined) msg = msg.replace(/^MARQUEE_HTTP_ADDR=/, '--http-addr=');
      if (values['log-level'] !== undefined) msg = msg.replace(/^LOG_LEVEL=/, '--log-level=');
      throw new ConfigError(msg);
    }
    throw err;
  }
  const watchMs = Number(values['watch-ms'] ?? 2000);
  if (!Number.isInteger(watchMs) || watchMs < 50 || watchMs > 3_600_000) {
    throw new ConfigError(`--watch-ms=${values['watch-ms']} must be a whole number of milliseconds from 50 to 3600000`);
  }
  return { config, watchMs, security: loadSecuritySettings(), gcGrowingPercent: gcGrowingPercentFrom() };
}

/** Serves until SIGTERM/SIGINT, then shuts down gracefully (in-flight calls finish, up to 10 s). */
export async function serve(args: ServiceArgs, log: Logger = createLogger('service', args.config.logLevel)): Promise<RunningServer> {
  applyGcGrowing(args.gcGrowingPercent);
  const running = await startServer({
    config: args.config,
    log,
    watch: { intervalMs: args.watchMs },
    security: args.security,
    http: args.config.httpAddr ? { addr: args.config.httpAddr } : false,
  });
  // after a successful start: a start-up error stays one line
  const missing = missingServiceFlags();
  if (missing.length > 0) {
    log.warn(
      { missing },
      `started without the node flags ${missing.join(' ')} (npm start and the Dockerfile pass them): p99 latency under load is 2-3 times longer without; start as node ${missing.join(' ')} dist/service/main.js`,
    );
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: finishing in-flight calls');
    void running.close(10_000).then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return running;
}

/** Entry-point wrapper: config errors print one clear line and exit 2. */
export async function runMain(body: () => Promise<unknown>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`marquee service: ${(err as Error).message} (settings: npm run service -- --help)`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  }
}

import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ConfigError, PROJECT_ROOT, type Config } from '../pipeline/config.js';
import { registerPathRedaction } from './errors.js';
import { createLogger, type Logger } from '../pipeline/log.js';
import { rejectMalformed, strictDefinition, wrapImplementation, type CallObserver } from './handlers.js';
import type { GrpcRoute } from './http/bridge.js';
import { startHttpServer, type RunningHttpServer } from './http/server.js';
import { createServiceMetrics, type ServiceMetrics } from './observability/metrics.js';
import { MODULES, type ServiceContext, type ServiceModule } from './modules.js';
import { loadProtos } from './proto.js';
import { descriptors } from './protocol/descriptors.js';
import { addReflection, REFLECTION_SERVICES } from './protocol/reflection.js';
import { authInterceptor } from './security/auth.js';
import { describeSecurity, grpcServerCredentials, loadSecuritySettings, type SecuritySettings } from './security/settings.js';
import { CatalogHolder } from './state.js';
import { watchCurrent, type WatchOptions } from './watch.js';

const HEALTH_SERVICE = 'grpc.health.v1.Health';

export interface StartOptions {
  config: Config;
  /** host:port to bind; defaults to config.grpcAddr. Port 0 picks a free port. */
  addr?: string;
  /** shorthand: bind config.grpcAddr's host on this port (0 = a free port) */
  port?: number;
  log?: Logger;
  modules?: ServiceModule[];
  /** CURRENT polling; false to disable (tests that drive holder.load themselves) */
  watch?: WatchOptions | false;
  /** resolve only after the first load attempt (default true) */
  waitForLoad?: boolean;
  /** extra grpc-js server options */
  serverOptions?: grpc.ServerOptions;
  /** tokens and TLS; default: read from the environment (service/security/settings.ts) */
  security?: SecuritySettings;
  /**
   * The HTTP/JSON listener (Connect protocol, the page, /metrics, the queue dashboard) beside gRPC:
   * an address (host:port, port 0 = a free port), or false/absent for gRPC only. `serve()` passes
   * MARQUEE_HTTP_ADDR.
   */
  http?: { addr: string } | false;
  /** share of the V8 heap limit a swap must leave free, or it is refused (default 0.1) */
  swapHeapHeadroom?: number;
}

export interface RunningServer {
  port: number;
  /** the bound address, host:port */
  addr: string;
  server: grpc.Server;
  holder: CatalogHolder;
  health: HealthImplementation;
  ctx: ServiceContext;
  security: SecuritySettings;
  metrics: ServiceMetrics;
  /** the HTTP listener, when started */
  http: RunningHttpServer | null;
  /** every method the gRPC server hosts, as the HTTP bridge reaches it */
  routes: GrpcRoute[];
  /** Graceful: NOT_SERVING, stop accepting, let in-flight calls finish (up to graceMs), then force. */
  close(graceMs?: number): Promise<void>;
}

/** Starts the gRPC server with every module, reflection and health; loads CURRENT. */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const { config } = opts;
  const log = opts.log ?? createLogger('service', config.logLevel);
  const modules = opts.modules ?? MODULES;
  const holder = new CatalogHolder(config.artifactsDir, log, opts.swapHeapHeadroom);
  const ctx: ServiceContext = { holder, config, log };
  for (const m of modules) for (const e of m.extensions ?? []) holder.registerExtension(e);

  const security = opts.security ?? loadSecuritySettings();
  const metrics = createServiceMetrics(holder);
  const observe: CallObserver = (method, protocol, code, seconds) => metrics.observeCall(method, protocol, code, seconds);
  registerPathRedaction(config.artifactsDir, 'MARQUEE_ARTIFACTS_DIR');
  registerPathRedaction(config.modelDir, 'MARQUEE_MODEL_DIR');
  registerPathRedaction(config.dataDir, 'MARQUEE_DATA_DIR');
  registerPathRedaction(PROJECT_ROOT, '<service dir>');
  const server = new grpc.Server({
    // Answer big fuzzy/ambiguity errors and director filmographies without hitting defaults.
    'grpc.max_send_message_length': 16 * 1024 * 1024,
    ...opts.serverOptions,
    interceptors: [
      authInterceptor(security.auth, (method, err) => {
        log.info({ method, protocol: 'grpc', code: grpc.status[err.code], reason: err.reason }, 'call refused');
        observe(method, 'grpc', grpc.status[err.code], 0);
      }),
      ...(opts.serverOptions?.interceptors ?? []),
    ],
  });

  // One package definition over all modules' protos; reflection and request checking read the
  // compiled descriptor set (proto/descriptors.binpb), which a test keeps equal to proto/.
  const contract = descriptors();
  const protoFiles = [...new Set(modules.flatMap((m) => m.protoFiles))];
  const pkg = loadProtos(protoFiles);
  // every service goes to grpc-js and into `routes`, which the HTTP listener serves with the same handlers
  const routes: GrpcRoute[] = [];
  const addService = (serviceName: string, def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) => {
    server.addService(def, impl);
    for (const [key, m] of Object.entries(def)) {
      const handler = impl[key] ?? impl[m.originalName ?? key];
      routes.push({ service: serviceName, name: m.path.split('/').pop()!, definition: m as GrpcRoute['definition'], handler });
    }
  };
  for (const m of modules) {
    const def = pkg[m.serviceName];
    if (!def || 'format' in def) {
      throw new Error(`service ${m.serviceName} is not defined in ${m.protoFiles.join(', ')}`);
    }
    const serviceDef = def as grpc.ServiceDefinition;
    addService(
      m.serviceName,
      strictDefinition(serviceDef, contract),
      wrapImplementation(m.serviceName, serviceDef, m.implementation(ctx), holder, log, !m.servingWithoutCatalog, observe),
    );
  }
  addReflection(server, contract, () => [...modules.map((m) => m.serviceName), HEALTH_SERVICE, ...REFLECTION_SERVICES]);

  const health = new HealthImplementation();
  const setHealth = (loaded: boolean) => {
    health.setStatus('', loaded ? 'SERVING' : 'NOT_SERVING');
    for (const m of modules) health.setStatus(m.serviceName, loaded || m.servingWithoutCatalog ? 'SERVING' : 'NOT_SERVING');
  };
  setHealth(false);
  // grpc-health-check's own definition, made strict like ours (malformed bytes: INVALID_ARGUMENT, not INTERNAL)
  health.addToServer({
    addService: (def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation) =>
      addService(HEALTH_SERVICE, strictDefinition(def, contract), rejectMalformed(def, impl)),
  } as unknown as grpc.Server);
  holder.on('swap', () => setHealth(true));

  const addr = opts.addr ?? (opts.port !== undefined ? config.grpcAddr.replace(/:\d+$/, `:${opts.port}`) : config.grpcAddr);
  // grpc-js logs its own multi-line resolver error on a failed bind; bindError says it in one line
  grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(addr, grpcServerCredentials(security.tls), (err, p) => (err ? reject(bindError(addr, err)) : resolve(p))),
  ).finally(() => grpc.setLogVerbosity(configuredVerbosity()));
  const boundAddr = addr.replace(/:\d+$/, `:${port}`);
  log.info({ addr: boundAddr, port, services: modules.map((m) => m.serviceName), ...describeSecurity(security) }, 'listening');

  let http: RunningHttpServer | null = null;
  if (opts.http) {
    try {
      const queues = () => modules.flatMap((m) => m.queues?.(ctx) ?? []);
      http = await startHttpServer({ addr: opts.http.addr, config, security, routes, descriptors: contract, metrics, holder, log, queues });
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
  }

  const started: { close(): Promise<void> }[] = [];
  for (const m of modules) {
    const r = await m.start?.(ctx);
    if (r) started.push(r);
  }

  const first = holder.loadCurrent().then(
    (s) => {
      if (!s && opts.watch === false) log.warn({ artifactsDir: config.artifactsDir }, 'nothing is published yet: NOT_SERVING');
      // with the watcher on, it says so itself (and keeps polling)
    },
    () => undefined, // logged by the holder; the watcher retries
  );
  if (opts.waitForLoad !== false) await first;
  const watcher = opts.watch === false ? null : watchCurrent(holder, log, opts.watch);

  let closing: Promise<void> | null = null;
  const close = (graceMs = 10_000) =>
    (closing ??= (async () => {
      watcher?.stop();
      health.setStatus('', 'NOT_SERVING');
      for (const m of modules) health.setStatus(m.serviceName, 'NOT_SERVING');
      const httpClosed = http?.close().catch((err: unknown) => log.error({ err }, 'HTTP listener close failed'));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          log.warn({ graceMs }, 'in-flight calls did not finish in time: forcing shutdown');
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await httpClosed;
      for (const s of started) await s.close().catch((err: unknown) => log.error({ err }, 'module close failed'));
      await holder.close();
      log.info('server stopped');
    })());

  return { port, addr: boundAddr, server, holder, health, ctx, security, metrics, http, routes, close };
}

/** A listen failure as one line naming the setting and the address, not grpc-js' resolver dump. */
function bindError(addr: string, err: Error): ConfigError {
  const m = err.message;
  const why = /EADDRINUSE/.test(m)
    ? 'the address is already in use (another process listens there); stop it or pick another port'
    : /EACCES/.test(m)
      ? 'permission denied (ports below 1024 need privileges); pick a port from 1024 up'
      : /EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN|Name resolution failed/.test(m)
        ? 'the host is not an address of this machine; use 0.0.0.0, 127.0.0.1 or one of its addresses'
        : m.replace(/^No address added out of total \d+ resolved errors?: /, '');
  return new ConfigError(`MARQUEE_GRPC_ADDR=${JSON.stringify(addr)}: cannot listen: ${why}`);
}

/** grpc-js' own log level as GRPC_VERBOSITY sets it (its default: ERROR). */
function configuredVerbosity(): grpc.logVerbosity {
  const v = (process.env.GRPC_VERBOSITY ?? 'ERROR').toUpperCase();
  return v === 'DEBUG' ? grpc.logVerbosity.DEBUG : v === 'INFO' ? grpc.logVerbosity.INFO : v === 'NONE' ? grpc.logVerbosity.NONE : grpc.logVerbosity.ERROR;
}

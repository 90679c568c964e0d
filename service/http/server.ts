// The HTTP listener (MARQUEE_HTTP_ADDR, default 0.0.0.0:8080), beside gRPC:
//   POST /<package.Service>/<Method>   every RPC, Connect protocol (JSON or binary; server streams
//                                      as Connect streaming), the same handlers as gRPC (bridge.ts)
//   GET  /                             the web page (web/, built by `npm run build`)
//   GET  /report/                      the served version's EDA report (HTML, and its summary.json)
//   GET  /metrics                      Prometheus text format
//   /admin/queues                      bull-board, admin token only (header, or the cookie that
//                                      POST /admin/session sets)
// Same tokens and TLS settings as gRPC (service/security/). Fastify because it is small, fast and
// has the two plug-ins needed here: Connect's (@connectrpc/connect-fastify) and bull-board's.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { fastifyConnectPlugin } from '@connectrpc/connect-fastify';
import type { HandlerContext } from '@connectrpc/connect';
import type { Queue } from 'bullmq';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import * as grpc from '@grpc/grpc-js';
import { ConfigError, PROJECT_ROOT, type Config } from '../../pipeline/config.js';
import type { Logger } from '../../pipeline/log.js';
import { RpcError } from '../errors.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import type { Descriptors } from '../protocol/descriptors.js';
import { reportExtension, type LoadedReport } from '../report/load.js';
import { authorize, authorizeAccess, readAccess } from '../security/auth.js';
import type { SecuritySettings } from '../security/settings.js';
import type { CatalogHolder } from '../state.js';
import { adminSession, type AdminSession } from './admin-session.js';
import { registerRoutes, reportParseErrorsAsInvalidArgument, toConnectError, type GrpcRoute } from './bridge.js';
import { mountQueueDashboard, type QueueDashboard } from './queues.js';

export const WEB_ROOT = path.join(PROJECT_ROOT, 'web', 'dist');

export interface HttpServerOptions {
  /** host:port; port 0 picks a free port */
  addr: string;
  config: Config;
  security: SecuritySettings;
  routes: GrpcRoute[];
  descriptors: Descriptors;
  metrics: ServiceMetrics;
  holder: CatalogHolder;
  log: Logger;
  /** the BullMQ queues to show at /admin/queues */
  queues: () => Queue[];
  /** the built page; default web/dist */
  webRoot?: string;
}

export interface RunningHttpServer {
  port: number;
  addr: string;
  /** http or https */
  scheme: 'http' | 'https';
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Same limits as the gRPC listener: 4 MiB requests (grpc-js' default), 16 MiB answers. */
const READ_MAX_BYTES = 4 * 1024 * 1024;
const WRITE_MAX_BYTES = 16 * 1024 * 1024;

export async function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const { security, log, metrics } = opts;
  const tls = security.tls;
  // the options' type depends on http2 being literally true or false; one object serves both
  const app = (Fastify as unknown as (o: object) => FastifyInstance)({
    logger: false,
    bodyLimit: READ_MAX_BYTES,
    // with TLS, HTTP/2 and HTTP/1.1 on one port (ALPN); plaintext is HTTP/1.1, which every client speaks
    ...(tls
      ? {
          http2: true as const,
          https: {
            allowHTTP1: true,
            key: tls.key,
            cert: tls.cert,
            ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
          },
        }
      : {}),
  });

  // Every HTTP request, whatever it is, counted by route pattern and status (bounded labels).
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeHttp(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  await app.register(fastifyCookie);

  // --- every RPC, Connect protocol
  await app.register(fastifyConnectPlugin, {
    routes: (router) => {
      registerRoutes(router, opts.routes, opts.descriptors);
      reportParseErrorsAsInvalidArgument(router);
    },
    grpc: false, // gRPC is the other listener's job (HTTP/2, reflection)
    shutdownTimeoutMs: 5000, // open streams (WatchRun) are ended this long after close begins
    grpcWeb: false,
    connect: true,
    readMaxBytes: READ_MAX_BYTES,
    writeMaxBytes: WRITE_MAX_BYTES,
    // a misspelt field is a mistake to point out (gRPC cannot tell; JSON can)
    jsonOptions: { ignoreUnknownFields: false },
    // the same check as the gRPC interceptor, on headers only, before the body is read
    requestGate: (ctx: HandlerContext) => {
      const methodPath = `/${ctx.service.typeName}/${ctx.method.name}`;
      const err = authorize(methodPath, ctx.requestHeader.get('authorization') ?? undefined, security.auth);
      if (err) {
        log.info({ method: methodPath, protocol: 'http', code: grpc.status[err.code], reason: err.reason }, 'call refused');
        metrics.observeCall(methodPath, 'http', grpc.status[err.code], 0);
        throw toConnectError(err);
      }
    },
  });

  // --- Prometheus: readable with the read token when one is configured (like the queries)
  app.get('/metrics', async (req, reply) => {
    if (!allowed(req, reply, security)) return reply;
    const m = await metrics.render();
    return reply.type(m.contentType).send(m.body);
  });

  // --- the served version's EDA report (the files its manifest names, checked when it loaded);
  // under /report/ so that the report's own relative link to summary.json works
  const servedReport = (req: FastifyRequest, reply: FastifyReply): LoadedReport | null => {
    if (!allowed(req, reply, security)) return null;
    const state = opts.holder.peek();
    if (!state) {
      void reply.code(503).type('text/plain').send('no catalog version is loaded yet; try again once the service is SERVING\n');
      return null;
    }
    const r = state.ext.get(reportExtension.name) as LoadedReport | string | undefined;
    if (r === undefined || typeof r === 'string') {
      void reply.code(404).type('text/plain').send(`${r ?? `version ${state.version} has no EDA report`}\n`);
      return null;
    }
    void reply.header('cache-control', 'no-store').header('x-marquee-version', r.version);
    return r;
  };
  app.get('/report', async (_req, reply) => reply.redirect('/report/'));
  app.get('/report/', async (req, reply) => {
    const r = servedReport(req, reply);
    return r ? reply.type('text/html; charset=utf-8').send(await readFile(r.reportPath, 'utf8')) : reply;
  });
  app.get('/report/summary.json', async (req, reply) => {
    const r = servedReport(req, reply);
    return r ? reply.type('application/json').send(r.summaryJson) : reply;
  });

  // --- admin: a cookie for the dashboard, and the dashboard itself
  const session: AdminSession | null = security.auth.adminToken ? adminSession(security.auth.adminToken, !!tls) : null;
  let dashboard: QueueDashboard | null = null;
  app.post('/admin/session', async (req, reply) => {
    if (!session) return reply.code(403).send(adminOff());
    const err = authorizeAccess('admin', req.headers.authorization, security.auth);
    if (err) return reply.code(err.code === grpc.status.UNAUTHENTICATED ? 401 : 403).send(jsonError(err));
    session.issue(reply);
    return reply.code(204).send();
  });
  app.delete('/admin/session', async (_req, reply) => {
    session?.clear(reply);
    return reply.code(204).send();
  });
  if (session) {
    dashboard = await mountQueueDashboard(app, {
      basePath: '/admin/queues',
      queues: opts.queues,
      // the header (curl) or the session cookie (a browser that signed in on the page)
      check: (req) => {
        if (session.valid(req)) return null;
        return authorizeAccess('admin', req.headers.authorization, security.auth);
      },
    });
  } else {
    app.all('/admin/queues', async (_req, reply) => reply.code(403).send(adminOff()));
    app.all('/admin/queues/*', async (_req, reply) => reply.code(403).send(adminOff()));
  }

  // --- the page
  const webRoot = opts.webRoot ?? WEB_ROOT;
  if (existsSync(path.join(webRoot, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      // hashed asset names: cache them; index.html: always revalidate
      setHeaders: (reply, file) => {
        reply.header('cache-control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
        if (file.endsWith('.html')) reply.header('content-security-policy', PAGE_CSP);
      },
    });
  } else {
    app.get('/', async (_req, reply) =>
      reply.code(503).type('text/plain').send('the web page is not built: run `npm run build` (the RPCs, /metrics and /report work without it)\n'),
    );
  }

  app.setNotFoundHandler(async (req, reply) => {
    const looksLikeRpc = /^\/[\w.]+\/\w+$/.test(req.url.split('?')[0]);
    return reply
      .code(404)
      .type('application/json')
      .send({
        code: 'not_found',
        message: looksLikeRpc
          ? `no RPC at ${req.url.split('?')[0]}: POST /<package.Service>/<Method>, e.g. POST /marquee.v1.CatalogService/TitleScore with Content-Type: application/json`
          : `nothing at ${req.method} ${req.url.split('?')[0]}: the page is at /, RPCs at POST /<package.Service>/<Method>, metrics at /metrics`,
      });
  });

  const { host, port: wanted } = splitAddr(opts.addr);
  try {
    await app.listen({ host, port: wanted });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw listenError(opts.addr, err as NodeJS.ErrnoException);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : wanted;
  const boundAddr = `${host}:${port}`;
  const scheme = tls ? 'https' : 'http';
  log.info({ addr: boundAddr, scheme, page: existsSync(path.join(webRoot, 'index.html')), dashboard: !!dashboard }, 'HTTP listening');

  return {
    port,
    addr: boundAddr,
    scheme,
    app,
    close: async () => {
      await app.close();
      await dashboard?.close();
    },
  };
}

// the page loads only its own scripts and styles; the report opens in its own document
const PAGE_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function adminOff() {
  return {
    code: 'permission_denied',
    message: 'the pipeline admin is turned off: start the service with MARQUEE_ADMIN_TOKEN set to use the queue dashboard',
  };
}

function jsonError(err: RpcError) {
  return { code: grpc.status[err.code].toLowerCase(), message: err.details };
}

/** The queries' access rule for plain HTTP routes: answers 401/403 itself and returns false when refused. */
function allowed(req: FastifyRequest, reply: FastifyReply, security: SecuritySettings): boolean {
  const err = authorizeAccess(readAccess(security.auth), req.headers.authorization, security.auth);
  if (!err) return true;
  void reply.code(err.code === grpc.status.UNAUTHENTICATED ? 401 : 403).send(jsonError(err));
  return false;
}

function splitAddr(addr: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(addr)!;
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) };
}

function listenError(addr: string, err: NodeJS.ErrnoException): ConfigError {
  const why =
    err.code === 'EADDRINUSE'
      ? 'the address is already in use (another process listens there); stop it or pick another port'
      : err.code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges); pick a port from 1024 up'
        : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
          ? 'the host is not an address of this machine; use 0.0.0.0, 127.0.0.1 or one of its addresses'
          : err.message;
  return new ConfigError(`MARQUEE_HTTP_ADDR=${JSON.stringify(addr)}: cannot listen: ${why}`);
}

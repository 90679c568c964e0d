import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CatalogHolder } from '../state.js';

/**
 * The service's Prometheus metrics, one registry per server (tests start several in one process).
 * Every call is counted once, whichever listener it came through (`protocol` grpc or http) and
 * however it ended (`code`: OK, NOT_FOUND, ... including calls refused by authentication).
 */
export type Protocol = 'grpc' | 'http';

export interface ServiceMetrics {
  readonly registry: Registry;
  observeCall(method: string, protocol: Protocol, code: string, seconds: number): void;
  /** every HTTP request (RPCs, the page, /metrics...): route pattern, HTTP method and status */
  observeHttp(route: string, method: string, status: number, seconds: number): void;
  /** text exposition for GET /metrics */
  render(): Promise<{ contentType: string; body: string }>;
}

/** Latency buckets from 0.25 ms (a cached catalog answer) to 5 s (a cold SearchMovies). */
const BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createServiceMetrics(holder: CatalogHolder): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'marquee_service_' });

  const calls = new Counter({
    name: 'marquee_rpc_calls_total',
    help: 'RPC calls answered, by method (/package.Service/Method), listener protocol and status code',
    labelNames: ['method', 'protocol', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'marquee_rpc_duration_seconds',
    help: 'RPC handling time from request decoded to answer handed to the transport, by method, protocol and code',
    labelNames: ['method', 'protocol', 'code'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const info = new Gauge({
    name: 'marquee_catalog_info',
    help: 'The catalog version being served (value 1; the version is a label)',
    labelNames: ['version'] as const,
    registers: [registry],
  });
  const loadSeconds = new Gauge({
    name: 'marquee_catalog_load_seconds',
    help: 'How long loading the served catalog version took (files, tables and indexes), seconds',
    registers: [registry],
  });
  const loadedAt = new Gauge({
    name: 'marquee_catalog_loaded_timestamp_seconds',
    help: 'When the served catalog version was swapped in (Unix time)',
    registers: [registry],
  });
  const swaps = new Counter({ name: 'marquee_catalog_swaps_total', help: 'Catalog versions swapped in since start', registers: [registry] });
  const loadErrors = new Counter({
    name: 'marquee_catalog_load_errors_total',
    help: 'Catalog versions that failed to load (the served version stayed)',
    registers: [registry],
  });
  new Gauge({
    name: 'marquee_catalog_movies',
    help: 'Movies in the served catalog version (0 before the first load)',
    registers: [registry],
    collect() {
      this.set(holder.peek()?.movies.length ?? 0);
    },
  });

  const httpRequests = new Histogram({
    name: 'marquee_http_request_duration_seconds',
    help: 'HTTP listener requests by route pattern, HTTP method and status code (includes requests refused before any RPC ran)',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });

  holder.on('swap', (state, _previous, ms) => {
    info.reset();
    info.set({ version: state.version }, 1);
    loadSeconds.set(ms / 1000);
    loadedAt.set(Date.now() / 1000);
    swaps.inc();
  });
  holder.on('loadError', () => loadErrors.inc());

  return {
    registry,
    observeCall(method, protocol, code, seconds) {
      calls.inc({ method, protocol, code });
      latency.observe({ method, protocol, code }, seconds);
    },
    observeHttp(route, method, status, seconds) {
      httpRequests.observe({ route, method, status: String(status) }, seconds);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

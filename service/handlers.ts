import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../pipeline/log.js';
import { internal, invalidArgument, isRpcError } from './errors.js';
import type { CatalogHolder } from './state.js';
import { descriptors, type Descriptors } from './protocol/descriptors.js';
import { checkMessageBytes } from './protocol/strict-decode.js';

/**
 * Handler plumbing shared by every module:
 * - `unary(fn)`: write a unary RPC as `(request, call) => response` (sync or async); throw an
 *   RpcError (service/errors.ts) for a caller's mistake.
 * - `wrapImplementation` (used by the server): around every handler of every module it
 *   (1) answers INVALID_ARGUMENT for a request whose bytes do not fit its type (see strictDefinition),
 *   (2) turns anything thrown or passed to the callback that is not an RpcError into INTERNAL and
 *       logs it with its stack (so INTERNAL means a bug, never a caller's mistake),
 *   (3) logs one line per call: debug for OK, info for caller errors, error for INTERNAL,
 *   (4) holds the catalog version the call started on until it ends (see CatalogHolder.acquire),
 *       unless the module does not read the catalog (`holdsCatalog` false), so that e.g. a long
 *       WatchRun stream does not keep a swapped-out version in memory.
 */

export type UnaryFn<Req, Res> = (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Res | Promise<Res>;

export function unary<Req = any, Res = any>(fn: UnaryFn<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let res: Res | Promise<Res>;
    try {
      res = fn(call.request, call);
    } catch (err) {
      callback(err as grpc.ServerErrorResponse);
      return;
    }
    if (res instanceof Promise) {
      res.then(
        (r) => callback(null, r),
        (err: unknown) => callback(toErrorObject(err)),
      );
    } else {
      callback(null, res);
    }
  };
}

const MALFORMED = Symbol('malformed request');
type Malformed = { [MALFORMED]: string };

function isMalformed(req: unknown): req is Malformed {
  return typeof req === 'object' && req !== null && MALFORMED in req;
}

/**
 * A copy of a service definition whose request deserializers never throw and never guess: the bytes
 * are first checked against the request type of the compiled contract (strict-decode.ts: wire types,
 * lengths, UTF-8), then decoded; bytes that fail either way become a MALFORMED marker that the
 * wrapped handler answers with INVALID_ARGUMENT (grpc-js alone would answer INTERNAL or guess).
 */
export function strictDefinition(def: grpc.ServiceDefinition, d: Descriptors = descriptors()): grpc.ServiceDefinition {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(def)) {
    const decode = m.requestDeserialize;
    const type = d.requestType(m.path);
    if (!type) throw new Error(`${m.path} is not in the compiled descriptor set: run npm run proto:compile`);
    out[name] = {
      ...m,
      requestDeserialize: (buf: Buffer) => {
        const problem = checkMessageBytes(type, buf);
        if (problem) return { [MALFORMED]: problem } satisfies Malformed;
        try {
          return decode(buf);
        } catch (err) {
          return { [MALFORMED]: (err as Error).message } satisfies Malformed;
        }
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

/**
 * Guards a third-party implementation (grpc-health-check) added through strictDefinition: a
 * malformed request is answered INVALID_ARGUMENT before the implementation sees it.
 */
export function rejectMalformed(def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, m] of Object.entries(def)) {
    const key = name in impl ? name : m.originalName!;
    const fn = impl[key] as (...args: unknown[]) => unknown;
    out[key] = ((call: { request: unknown; emit(e: string, v: unknown): void }, callback?: (e: unknown) => void) => {
      if (isMalformed(call.request)) {
        const e = malformedError(call.request);
        if (!m.responseStream && callback) callback(e);
        else call.emit('error', e);
        return;
      }
      return fn(call, callback);
    }) as grpc.UntypedHandleCall;
  }
  return out;
}

export function isMalformedRequest(req: unknown): string | null {
  return isMalformed(req) ? req[MALFORMED] : null;
}

/** INVALID_ARGUMENT for request bytes that do not fit the declared message type. */
export function malformedError(req: Malformed | string) {
  const problem = typeof req === 'string' ? req : req[MALFORMED];
  return invalidArgument(`the request message could not be decoded (${problem}); send the message type the method declares`, {
    reason: 'MALFORMED_REQUEST',
  });
}

function toErrorObject(err: unknown): grpc.ServerErrorResponse {
  return err instanceof Error ? (err as grpc.ServerErrorResponse) : new Error(String(err));
}

/** Which listener a call came through: grpc-js calls carry nothing, the HTTP bridge marks its own. */
export const CALL_PROTOCOL = Symbol('marquee call protocol');

export function protocolOf(call: object): 'grpc' | 'http' {
  return (call as { [CALL_PROTOCOL]?: 'http' })[CALL_PROTOCOL] ?? 'grpc';
}

/** Told once per finished call (metrics): code is the status name, e.g. OK or NOT_FOUND. */
export type CallObserver = (method: string, protocol: 'grpc' | 'http', code: string, seconds: number) => void;

export function wrapImplementation(
  serviceName: string,
  def: grpc.ServiceDefinition,
  impl: grpc.UntypedServiceImplementation,
  holder: CatalogHolder,
  log: Logger,
  holdsCatalog = true,
  observe?: CallObserver,
): grpc.UntypedServiceImplementation {
  const acquire = () => (holdsCatalog ? holder.acquire() : null);
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, m] of Object.entries(def)) {
    const fn = impl[name] ?? (m.originalName ? impl[m.originalName] : undefined);
    if (typeof fn !== 'function') throw new Error(`${serviceName} does not implement ${name}`);
    const method = m.path;

    const finish = (t0: number, release: (() => void) | undefined, err: unknown, call: object): grpc.ServerErrorResponse | null => {
      release?.();
      const elapsed = performance.now() - t0;
      const ms = Math.round(elapsed * 1000) / 1000;
      const protocol = protocolOf(call);
      if (!err) {
        // the check spares an object per call when debug is off (the usual case)
        if (log.isLevelEnabled('debug')) log.debug({ method, protocol, code: 'OK', ms }, 'call');
        observe?.(method, protocol, 'OK', elapsed / 1000);
        return null;
      }
      if (isRpcError(err)) {
        const code = grpc.status[err.code];
        log.info({ method, protocol, code, ms, details: err.details }, 'call');
        observe?.(method, protocol, code, elapsed / 1000);
        return err;
      }
      log.error({ method, protocol, code: 'INTERNAL', ms, err }, 'call failed with an unexpected error');
      observe?.(method, protocol, 'INTERNAL', elapsed / 1000);
      return internal();
    };

    if (!m.requestStream && !m.responseStream) {
      const handler = fn as grpc.handleUnaryCall<unknown, unknown>;
      out[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const t0 = performance.now();
        const lease = acquire();
        let done = false;
        const reply: grpc.sendUnaryData<unknown> = (err, value, trailer, flags) => {
          if (done) return;
          done = true;
          const e = finish(t0, lease?.release, err, call);
          if (e) callback(e);
          else callback(null, value, trailer, flags);
        };
        if (isMalformed(call.request)) return reply(malformedError(call.request));
        try {
          const r: unknown = handler(call, reply);
          if (r instanceof Promise) r.catch((err: unknown) => reply(toErrorObject(err)));
        } catch (err) {
          reply(toErrorObject(err));
        }
      }) as grpc.handleUnaryCall<unknown, unknown>;
    } else if (!m.requestStream && m.responseStream) {
      const handler = fn as grpc.handleServerStreamingCall<unknown, unknown>;
      out[name] = ((call: grpc.ServerWritableStream<unknown, unknown>) => {
        const t0 = performance.now();
        const lease = acquire();
        let done = false;
        const end = (err: unknown) => {
          if (done) return;
          done = true;
          const e = finish(t0, lease?.release, err, call);
          if (e) call.emit('error', e);
        };
        call.on('finish', () => end(null));
        call.on('cancelled', () => end(null));
        if (isMalformed(call.request)) return end(malformedError(call.request));
        try {
          const r: unknown = handler(call);
          if (r instanceof Promise) r.catch((err: unknown) => end(toErrorObject(err)));
        } catch (err) {
          end(toErrorObject(err));
        }
      }) as grpc.handleServerStreamingCall<unknown, unknown>;
    } else {
      // client-streaming / bidi: only the exception guard; messages are the handler's business.
      out[name] = ((call: grpc.ServerDuplexStream<unknown, unknown>) => {
        try {
          const r: unknown = (fn as (c: unknown) => unknown)(call);
          if (r instanceof Promise) r.catch((err: unknown) => call.emit('error', finish(performance.now(), undefined, err, call)));
        } catch (err) {
          call.emit('error', finish(performance.now(), undefined, err, call));
        }
      }) as grpc.handleBidiStreamingCall<unknown, unknown>;
    }
  }
  return out;
}

// The HTTP/JSON listener answers every RPC with the very handler the gRPC server runs: the Connect
// router (from the compiled contract) decodes JSON or binary into the request message, the message
// goes through the gRPC path's strict request decoder, then through the wrapped grpc-js handler
// (validation, logging, catalog lease, metrics) on a call object that stands in for grpc-js', and
// the answer comes back the same way. Nothing about a method is written twice.
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { fromBinary, toBinary, type DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from '@connectrpc/connect';
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { errorInfoFields, errorSchemas, isRpcError, SUGGESTIONS_TRAILER } from '../errors.js';
import { CALL_PROTOCOL } from '../handlers.js';
import type { Descriptors } from '../protocol/descriptors.js';

/** One method as the gRPC server hosts it: its (strict) definition and its wrapped handler. */
export interface GrpcRoute {
  /** fully qualified service name */
  service: string;
  /** method name as in the proto */
  name: string;
  definition: grpc.MethodDefinition<unknown, unknown>;
  handler: grpc.UntypedHandleCall;
}

/** What a handler may touch on a grpc-js call, answered from the HTTP request. */
class HttpCall extends EventEmitter {
  readonly [CALL_PROTOCOL] = 'http' as const;
  private meta: grpc.Metadata | null = null;

  constructor(
    readonly request: unknown,
    private readonly ctx: HandlerContext,
  ) {
    super();
    if (!ctx.signal.aborted) ctx.signal.addEventListener('abort', () => this.emit('cancelled', 'cancelled'), { once: true });
  }

  get cancelled(): boolean {
    return this.ctx.signal.aborted;
  }

  get metadata(): grpc.Metadata {
    if (!this.meta) {
      this.meta = new grpc.Metadata();
      this.ctx.requestHeader.forEach((value, key) => {
        if (!key.endsWith('-bin')) this.meta!.add(key, value);
      });
    }
    return this.meta;
  }

  getPeer(): string {
    return 'http';
  }

  getPath(): string {
    return `/${this.ctx.service.typeName}/${this.ctx.method.name}`;
  }

  getDeadline(): grpc.Deadline {
    const ms = this.ctx.timeoutMs();
    return ms === undefined ? Infinity : Date.now() + ms;
  }

  sendMetadata(): void {}
}

/** A server-streaming call: handler writes are queued and drained by the Connect response. */
class HttpStreamCall extends HttpCall {
  private readonly queue: unknown[] = [];
  private ended = false;
  private failure: unknown = null;
  private wake: (() => void) | null = null;

  constructor(request: unknown, ctx: HandlerContext) {
    super(request, ctx);
    ctx.signal.addEventListener('abort', () => this.poke(), { once: true });
    // the handler wrapper reports errors by emitting them (as on grpc-js' writable stream)
    this.on('error', (err: unknown) => {
      this.failure ??= err;
      this.poke();
    });
  }

  write(message: unknown): boolean {
    if (!this.ended) this.queue.push(message);
    this.poke();
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.poke();
    this.emit('finish');
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *messages(): AsyncGenerator<unknown> {
    try {
      for (;;) {
        if (this.queue.length > 0) {
          yield this.queue.shift();
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended || this.cancelled) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // the client went away (or the response ended): the handler's own cleanup listens for this
      if (!this.ended) {
        this.ended = true;
        this.emit('cancelled', 'cancelled');
      }
    }
  }
}

/** Any error as Connect sends it: same code, message and google.rpc.ErrorInfo detail as gRPC. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (isRpcError(err)) {
    const headers = new Headers();
    if (err.suggestions.length > 0) {
      headers.set(SUGGESTIONS_TRAILER, Buffer.from(JSON.stringify(err.suggestions), 'utf8').toString('base64'));
    }
    return new ConnectError(err.details, err.code as number as Code, headers, [
      { desc: errorSchemas().errorInfo, value: errorInfoFields(err.reason, err.suggestions) as never },
    ]);
  }
  // third-party handlers (grpc-health-check) answer with grpc-js status objects
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof e?.code === 'number' && e.code > 0 && e.code <= 16) {
    return new ConnectError(String(e.details ?? e.message ?? ''), e.code as Code);
  }
  return new ConnectError('internal error; it has been logged', Code.Internal);
}

// through the gRPC path's strict deserializer: a request it cannot take becomes the same marker,
// which the wrapped handler answers INVALID_ARGUMENT (and counts) as it does for gRPC
function decodeRequest(route: GrpcRoute, method: DescMethod, req: unknown): unknown {
  return route.definition.requestDeserialize(Buffer.from(toBinary(method.input, req as never)));
}

function encodeResponse(route: GrpcRoute, method: DescMethod, value: unknown) {
  return fromBinary(method.output, route.definition.responseSerialize(value));
}

/** Registers every unary and server-streaming route on a Connect router. */
export function registerRoutes(router: ConnectRouter, routes: GrpcRoute[], d: Descriptors): void {
  for (const route of routes) {
    const service = d.registry.getService(route.service);
    const method = service?.methods.find((m) => m.name === route.name);
    if (!method) throw new Error(`/${route.service}/${route.name} is not in the compiled contract: run npm run proto:compile`);
    if (method.methodKind === 'unary') {
      const handler = route.handler as grpc.handleUnaryCall<unknown, unknown>;
      router.rpc(method, (async (req: unknown, ctx: HandlerContext) => {
        const call = new HttpCall(decodeRequest(route, method, req), ctx);
        try {
          const value = await new Promise<unknown>((resolve, reject) =>
            handler(call as unknown as grpc.ServerUnaryCall<unknown, unknown>, (err, v) => (err ? reject(err) : resolve(v))),
          );
          return encodeResponse(route, method, value);
        } catch (err) {
          throw toConnectError(err);
        }
      }) as never);
    } else if (method.methodKind === 'server_streaming') {
      const handler = route.handler as grpc.handleServerStreamingCall<unknown, unknown>;
      router.rpc(method, async function* (req: unknown, ctx: HandlerContext) {
        const call = new HttpStreamCall(decodeRequest(route, method, req), ctx);
        handler(call as unknown as grpc.ServerWritableStream<unknown, unknown>);
        try {
          for await (const m of call.messages()) yield encodeResponse(route, method, m);
        } catch (err) {
          throw toConnectError(err);
        }
      } as never);
    }
    // client-streaming and bidi methods (server reflection) stay on the gRPC port
  }
}

/**
 * connect-es answers request bytes it cannot parse as binary protobuf with `internal` (HTTP 500),
 * though the mistake is the caller's (its JSON parse errors are `invalid_argument`, as are
 * connect-go's for both). Rewrites that one answer of the router's unary handlers to
 * invalid_argument (HTTP 400) with the message the gRPC listener gives for undecodable bytes.
 */
export function reportParseErrorsAsInvalidArgument(router: ConnectRouter): void {
  const handlers = router.handlers as UniversalHandler[];
  handlers.forEach((h, i) => {
    const wrapped = async (req: UniversalServerRequest): Promise<UniversalServerResponse> => {
      const res = await h(req);
      if (res.status !== 500 || res.body === undefined) return res;
      const chunks: Uint8Array[] = [];
      for await (const c of res.body) chunks.push(c);
      const bytes = Buffer.concat(chunks);
      let body: { code?: string; message?: string } = {};
      try {
        body = JSON.parse(bytes.toString('utf8')) as typeof body;
      } catch {
        // not a Connect error body: pass it on as it was
      }
      if (body.code !== 'internal' || !body.message?.startsWith('parse binary:')) return { ...res, body: once(bytes) };
      const problem = body.message.slice('parse binary:'.length).trim();
      const fixed = JSON.stringify({
        code: 'invalid_argument',
        message: `the request message could not be decoded (${problem}); send the message type the method declares`,
      });
      const out = Buffer.from(fixed, 'utf8');
      const header = new Headers(res.header);
      header.set('content-length', String(out.length));
      return { ...res, status: 400, header, body: once(out) };
    };
    handlers[i] = Object.assign(wrapped, h);
  });
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

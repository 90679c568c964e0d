import * as grpc from '@grpc/grpc-js';
import { loadProtos } from './proto.js';

/**
 * A real grpc-js client for any Marquee service, built from the same compiled contract as the
 * server (tests, benchmarks, the ops CLI). `call` promisifies a unary RPC; `stream` opens a
 * server stream. A token is sent as `authorization: Bearer <token>` on every call; `tls` makes
 * the channel TLS (with a client certificate for mutual TLS).
 */
export interface MarqueeClient {
  client: grpc.Client;
  call<Res = any>(method: string, request: object, opts?: { deadlineMs?: number; metadata?: grpc.Metadata }): Promise<Res>;
  stream<Res = any>(method: string, request: object, opts?: { deadlineMs?: number; metadata?: grpc.Metadata }): grpc.ClientReadableStream<Res>;
  close(): void;
}

export interface ClientAuth {
  token?: string | null;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer; serverName?: string } | null;
}

const constructors = new Map<string, grpc.ServiceClientConstructor>();

export function channelCredentials(tls: ClientAuth['tls']): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null);
}

export function serviceClient(
  serviceName: string,
  protoFiles: string[],
  addr: string,
  options?: grpc.ClientOptions,
  auth: ClientAuth = {},
): MarqueeClient {
  let Ctor = constructors.get(serviceName);
  if (!Ctor) {
    const pkg = grpc.loadPackageDefinition(loadProtos(protoFiles));
    Ctor = serviceName.split('.').reduce<any>((o, k) => o?.[k], pkg) as grpc.ServiceClientConstructor | undefined;
    if (!Ctor) throw new Error(`${serviceName} is not defined in the compiled contract`);
    constructors.set(serviceName, Ctor);
  }
  const channelOptions = { ...options, ...(auth.tls?.serverName && { 'grpc.ssl_target_name_override': auth.tls.serverName }) };
  const client = new Ctor(addr, channelCredentials(auth.tls), channelOptions);
  const withToken = (md?: grpc.Metadata) => {
    const m = md ?? new grpc.Metadata();
    if (auth.token && m.get('authorization').length === 0) m.set('authorization', `Bearer ${auth.token}`);
    return m;
  };
  const method = (name: string) => {
    const fn = (client as any)[name];
    if (typeof fn !== 'function') throw new Error(`${serviceName} has no method ${name}`);
    return fn as (...args: unknown[]) => any;
  };
  return {
    client,
    call: (name, request, opts = {}) =>
      new Promise((resolve, reject) => {
        let fn: (...args: unknown[]) => any;
        try {
          fn = method(name);
        } catch (err) {
          return reject(err);
        }
        const deadline = Date.now() + (opts.deadlineMs ?? 10_000);
        fn.call(client, request, withToken(opts.metadata), { deadline }, (err: grpc.ServiceError | null, res: any) =>
          err ? reject(err) : resolve(res),
        );
      }),
    stream: (name, request, opts = {}) =>
      method(name).call(client, request, withToken(opts.metadata), opts.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {}),
    close: () => client.close(),
  };
}

export function catalogClient(addr: string, options?: grpc.ClientOptions, auth?: ClientAuth): MarqueeClient {
  return serviceClient('marquee.v1.CatalogService', ['marquee/v1/catalog.proto'], addr, options, auth);
}

import * as grpc from '@grpc/grpc-js';
import { loadProtos } from './proto';

/**
 * A real grpc-js client for any Marquee service, loaded from the same proto files and options as
 * the server (tests, benchmarks, scripts). `call` promisifies a unary RPC.
 */
export interface MarqueeClient {
  client: grpc.Client;
  call<Res = any>(method: string, request: object, opts?: { deadlineMs?: number; metadata?: grpc.Metadata }): Promise<Res>;
  close(): void;
}

const constructors = new Map<string, grpc.ServiceClientConstructor>();

export function serviceClient(serviceName: string, protoFiles: string[], addr: string, options?: grpc.ClientOptions): MarqueeClient {
  const cacheKey = `${serviceName}|${protoFiles.join(',')}`;
  let Ctor = constructors.get(cacheKey);
  if (!Ctor) {
    const pkg = grpc.loadPackageDefinition(loadProtos(protoFiles));
    Ctor = serviceName.split('.').reduce<any>((o, k) => o?.[k], pkg) as grpc.ServiceClientConstructor | undefined;
    if (!Ctor) throw new Error(`${serviceName} is not defined in ${protoFiles.join(', ')}`);
    constructors.set(cacheKey, Ctor);
  }
  const client = new Ctor(addr, grpc.credentials.createInsecure(), options);
  return {
    client,
    call: (method, request, opts = {}) =>
      new Promise((resolve, reject) => {
        const fn = (client as any)[method];
        if (typeof fn !== 'function') return reject(new Error(`${serviceName} has no method ${method}`));
        const deadline = Date.now() + (opts.deadlineMs ?? 10_000);
        fn.call(client, request, opts.metadata ?? new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, res: any) =>
          err ? reject(err) : resolve(res),
        );
      }),
    close: () => client.close(),
  };
}

export function catalogClient(addr: string, options?: grpc.ClientOptions): MarqueeClient {
  return serviceClient('marquee.v1.CatalogService', ['marquee/v1/catalog.proto'], addr, options);
}

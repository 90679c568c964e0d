import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { RpcError } from '../errors.js';

/**
 * Who may call what. Bearer tokens travel as the `authorization: Bearer <token>` header (gRPC
 * metadata or HTTP), and both listeners ask `authorize` the same question.
 * - admin RPCs (marquee.v1.PipelineAdmin) need MARQUEE_ADMIN_TOKEN; without one configured they
 *   are off (PERMISSION_DENIED saying how to turn them on), never open;
 * - queries need MARQUEE_READ_TOKEN (or the admin token) when one is configured, else are open;
 * - health and reflection are open unless MARQUEE_OPEN_SERVICES says otherwise, because load
 *   balancers and grpcurl call them without credentials.
 */
export interface AuthSettings {
  adminToken: string | null;
  readToken: string | null;
  /** 'health' and/or 'reflection': answered without a token */
  openServices: ReadonlySet<'health' | 'reflection'>;
}

export type Access = 'open' | 'read' | 'admin';

export const ADMIN_SERVICE = 'marquee.v1.PipelineAdmin';

/** The access a method path (`/pkg.Service/Method`) needs. */
export function accessOf(methodPath: string, s: AuthSettings): Access {
  const service = methodPath.split('/')[1] ?? '';
  if (service === ADMIN_SERVICE) return 'admin';
  if (service === 'grpc.health.v1.Health') return s.openServices.has('health') ? 'open' : read(s);
  if (service.startsWith('grpc.reflection.')) return s.openServices.has('reflection') ? 'open' : read(s);
  return read(s);
}

/** What the queries need: the read token when one is configured, else nothing. */
export function readAccess(s: AuthSettings): Access {
  return s.readToken ? 'read' : 'open';
}
const read = readAccess;

const digest = (t: string) => createHash('sha256').update(t, 'utf8').digest();

/** Constant-time equality: both sides are hashed first, so neither length nor content leaks. */
function same(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `authorization` header value, or null when there is none. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : '';
}

/** null when the call may go on; else the error to answer with. */
export function authorize(methodPath: string, header: string | undefined, s: AuthSettings): RpcError | null {
  return authorizeAccess(accessOf(methodPath, s), header, s);
}

/** The same check for a given access level (HTTP routes that are not RPCs: /metrics, the dashboard). */
export function authorizeAccess(access: Access, header: string | undefined, s: AuthSettings): RpcError | null {
  if (access === 'open') return null;
  const token = bearerToken(header);
  if (access === 'admin' && !s.adminToken) {
    return new RpcError(
      grpc.status.PERMISSION_DENIED,
      'the pipeline admin RPCs are turned off: start the service with MARQUEE_ADMIN_TOKEN set, then send the header authorization: Bearer <that token>',
      { reason: 'ADMIN_DISABLED' },
    );
  }
  const needed = access === 'admin' ? 'MARQUEE_ADMIN_TOKEN' : 'MARQUEE_READ_TOKEN (or MARQUEE_ADMIN_TOKEN)';
  if (token === null) {
    return new RpcError(grpc.status.UNAUTHENTICATED, `this RPC needs a token: send the header authorization: Bearer <${needed}>`, {
      reason: 'TOKEN_MISSING',
    });
  }
  if (token === '') {
    return new RpcError(grpc.status.UNAUTHENTICATED, `the authorization header must be "Bearer <token>" (the token is ${needed})`, {
      reason: 'TOKEN_MALFORMED',
    });
  }
  const isAdmin = !!s.adminToken && same(token, s.adminToken);
  if (isAdmin) return null;
  if (access === 'read' && !!s.readToken && same(token, s.readToken)) return null;
  const readOnly = access === 'admin' && !!s.readToken && same(token, s.readToken);
  return new RpcError(
    grpc.status.PERMISSION_DENIED,
    readOnly ? 'the read token cannot call admin RPCs: send the admin token (MARQUEE_ADMIN_TOKEN)' : `the token is not valid for this RPC (it needs ${needed})`,
    { reason: readOnly ? 'TOKEN_INSUFFICIENT' : 'TOKEN_INVALID' },
  );
}

/**
 * grpc-js server interceptor: checks every call's metadata before any handler (ours, health's,
 * reflection's) sees it, so no service can be added without the check.
 */
export function authInterceptor(s: AuthSettings, onDenied?: (path: string, err: RpcError) => void): grpc.ServerInterceptor {
  const open = new Map<string, boolean>();
  return (method, call) => {
    // a method that needs no token skips the intercepting layer (a listener and a responder per call)
    let isOpen = open.get(method.path);
    if (isOpen === undefined) open.set(method.path, (isOpen = accessOf(method.path, s) === 'open'));
    // (grpc-js chains interceptors by reduce, so the next call in the chain is a valid result; its
    // type names the class where the interface would do)
    if (isOpen) return call as grpc.ServerInterceptingCall;
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const header = metadata.get('authorization')[0];
        const err = authorize(method.path, typeof header === 'string' ? header : header?.toString('utf8'), s);
        if (!err) return next(metadata);
        onDenied?.(method.path, err);
        call.sendStatus({ code: err.code, details: err.details, metadata: err.metadata });
      })
      .build();
    return new grpc.ServerInterceptingCall(call, new grpc.ResponderBuilder().withStart((next) => next(listener)).build());
  };
}

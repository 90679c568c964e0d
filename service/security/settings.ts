import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../../pipeline/config.js';
import type { AuthSettings } from './auth.js';

/** PEM material of a listener; every listener (gRPC, HTTP) takes the same. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** present: mutual TLS, a client certificate signed by this CA is required */
  clientCa: Buffer | null;
}

export interface SecuritySettings {
  auth: AuthSettings;
  tls: TlsMaterial | null;
}

/** Nothing configured: queries open, admin RPCs off, plaintext (the local default). */
export const NO_SECURITY: SecuritySettings = {
  auth: { adminToken: null, readToken: null, openServices: new Set(['health', 'reflection']) },
  tls: null,
};

const MIN_TOKEN = 16;

function token(env: NodeJS.ProcessEnv, name: string): string | null {
  const fileVar = `${name}_FILE`;
  let v = env[name];
  if (env[fileVar]) {
    if (v) throw new ConfigError(`${name} and ${fileVar} are both set; set one`);
    try {
      v = readFileSync(env[fileVar]!, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${fileVar}=${JSON.stringify(env[fileVar])}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (v === undefined || v === '') return null;
  if (!/^[\x21-\x7e]+$/.test(v)) throw new ConfigError(`${name} must be printable ASCII without spaces (it is sent as "Bearer <token>")`);
  if (v.length < MIN_TOKEN) throw new ConfigError(`${name} is too short (${v.length} characters; use at least ${MIN_TOKEN}, e.g. openssl rand -hex 24)`);
  return v;
}

function pem(env: NodeJS.ProcessEnv, name: string, kind: 'cert' | 'key'): Buffer {
  const file = env[name]!;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${name}=${JSON.stringify(file)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    if (kind === 'cert') new X509Certificate(bytes);
    else createPrivateKey(bytes);
  } catch (err) {
    throw new ConfigError(`${name}=${JSON.stringify(file)}: not a PEM ${kind === 'cert' ? 'certificate' : 'private key'} (${(err as Error).message})`);
  }
  return bytes;
}

/** Reads and checks MARQUEE_ADMIN_TOKEN, MARQUEE_READ_TOKEN, MARQUEE_OPEN_SERVICES and MARQUEE_TLS_*. */
export function loadSecuritySettings(env: NodeJS.ProcessEnv = process.env): SecuritySettings {
  const adminToken = token(env, 'MARQUEE_ADMIN_TOKEN');
  const readToken = token(env, 'MARQUEE_READ_TOKEN');
  if (adminToken && readToken && adminToken === readToken) {
    throw new ConfigError('MARQUEE_READ_TOKEN equals MARQUEE_ADMIN_TOKEN; give readers a token of their own');
  }
  const open = (env.MARQUEE_OPEN_SERVICES ?? 'health,reflection').trim();
  const openServices = new Set<'health' | 'reflection'>();
  if (open !== '' && open !== 'none') {
    for (const part of open.split(',').map((p) => p.trim()).filter(Boolean)) {
      if (part !== 'health' && part !== 'reflection') {
        throw new ConfigError(`MARQUEE_OPEN_SERVICES: unknown service ${JSON.stringify(part)}; use health, reflection, both (comma-separated) or none`);
      }
      openServices.add(part);
    }
  }
  const { MARQUEE_TLS_CERT: cert, MARQUEE_TLS_KEY: key, MARQUEE_TLS_CLIENT_CA: ca } = env;
  if (!!cert !== !!key) throw new ConfigError(`MARQUEE_TLS_CERT and MARQUEE_TLS_KEY go together; ${cert ? 'MARQUEE_TLS_KEY' : 'MARQUEE_TLS_CERT'} is missing`);
  if (ca && !cert) throw new ConfigError('MARQUEE_TLS_CLIENT_CA (mutual TLS) needs MARQUEE_TLS_CERT and MARQUEE_TLS_KEY too');
  const tls = cert ? { cert: pem(env, 'MARQUEE_TLS_CERT', 'cert'), key: pem(env, 'MARQUEE_TLS_KEY', 'key'), clientCa: ca ? pem(env, 'MARQUEE_TLS_CLIENT_CA', 'cert') : null } : null;
  return { auth: { adminToken, readToken, openServices }, tls };
}

export function transportMode(tls: TlsMaterial | null): 'plaintext' | 'tls' | 'mutual-tls' {
  return !tls ? 'plaintext' : tls.clientCa ? 'mutual-tls' : 'tls';
}

export function grpcServerCredentials(tls: TlsMaterial | null): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.clientCa, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== null);
}

/** What the log says about who may call what. */
export function describeSecurity(s: SecuritySettings) {
  return {
    transport: transportMode(s.tls),
    adminRpcs: s.auth.adminToken ? 'token required' : 'off (MARQUEE_ADMIN_TOKEN not set)',
    queries: s.auth.readToken ? 'token required' : 'open',
    openServices: [...s.auth.openServices].join(',') || 'none',
  };
}

import * as grpc from '@grpc/grpc-js';
import { create, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { descriptors } from './protocol/descriptors.js';

/**
 * Errors a handler throws (or passes to its callback) for a caller's mistake or a known state.
 * Each carries its gRPC status code and a message meant for people; suggestions/candidates are
 * written into the message text AND sent in two machine-readable forms:
 * - trailer `marquee-suggestions-bin`: UTF-8 JSON array of strings (grpc-js clients: suggestionsOf());
 * - trailer `grpc-status-details-bin`: a google.rpc.Status with one google.rpc.ErrorInfo
 *   (domain "marquee.v1", reason e.g. TITLE_NOT_FOUND, metadata suggestion_1..n), which grpcurl prints
 *   under "Details".
 * Anything thrown that is not an RpcError is a bug: the handler wrapper logs it and answers INTERNAL.
 */
export class RpcError extends Error implements Partial<grpc.StatusObject> {
  readonly code: grpc.status;
  readonly details: string;
  readonly metadata: grpc.Metadata;
  readonly suggestions: string[];
  readonly reason: string;

  constructor(code: grpc.status, text: string, opts: { reason?: string; suggestions?: string[] } = {}) {
    const message = redactPaths(text);
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.details = message;
    this.suggestions = opts.suggestions ?? [];
    this.reason = opts.reason ?? grpc.status[code];
    this.metadata = new grpc.Metadata();
    if (this.suggestions.length > 0) {
      this.metadata.set(SUGGESTIONS_TRAILER, Buffer.from(JSON.stringify(this.suggestions), 'utf8'));
    }
    this.metadata.set(
      'grpc-status-details-bin',
      encodeStatus(code, message, this.reason, this.suggestions),
    );
  }
}

export const SUGGESTIONS_TRAILER = 'marquee-suggestions-bin';

/** Server directories and the setting names callers see instead (longest first). */
const redactions: [string, string][] = [];

/**
 * Callers see setting names, never the server's paths: every error message has the configured
 * directories replaced by their variable (`/srv/marquee/data/artifacts/v1` -> `MARQUEE_ARTIFACTS_DIR/v1`).
 * Messages are written that way to begin with; this is the safety net for text from libraries.
 */
export function registerPathRedaction(dir: string, label: string): void {
  if (!dir || dir === '/' || redactions.some(([d]) => d === dir)) return;
  redactions.push([dir, label]);
  redactions.sort((a, b) => b[0].length - a[0].length);
}

export function redactPaths(text: string): string {
  let out = text;
  for (const [dir, label] of redactions) if (out.includes(dir)) out = out.split(dir).join(label);
  return out;
}
const MAX_DETAIL_SUGGESTIONS = 20;
const ERROR_DOMAIN = 'marquee.v1';

/** Bad argument (empty, too long, out of range, unknown month...): `message` says what is accepted. */
export function invalidArgument(message: string, opts: { reason?: string; suggestions?: string[] } = {}): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, withList(message, 'Did you mean', opts.suggestions), opts);
}

/** The argument matches several things (a title shared by movies): names the candidates. */
export function ambiguous(message: string, candidates: string[], reason = 'AMBIGUOUS'): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, withList(message, 'Candidates', candidates), {
    reason,
    suggestions: candidates,
  });
}

/** Unknown title/name: the closest known names go into the message and the trailers. */
export function notFound(message: string, suggestions: string[] = [], reason = 'NOT_FOUND'): RpcError {
  return new RpcError(grpc.status.NOT_FOUND, withList(message, 'Did you mean', suggestions), { reason, suggestions });
}

export function failedPrecondition(message: string, reason = 'FAILED_PRECONDITION'): RpcError {
  return new RpcError(grpc.status.FAILED_PRECONDITION, message, { reason });
}

/** Retryable: e.g. no catalog version is loaded yet. */
export function unavailable(message: string, reason = 'UNAVAILABLE'): RpcError {
  return new RpcError(grpc.status.UNAVAILABLE, message, { reason });
}

export function internal(message = 'internal error; it has been logged'): RpcError {
  return new RpcError(grpc.status.INTERNAL, message, { reason: 'INTERNAL' });
}

export function isRpcError(e: unknown): e is RpcError {
  return e instanceof RpcError;
}

/** Client side: the suggestions a Marquee error carried ([] if none). */
export function suggestionsOf(err: { metadata?: grpc.Metadata }): string[] {
  const v = err.metadata?.get(SUGGESTIONS_TRAILER)[0];
  if (!v) return [];
  try {
    const parsed: unknown = JSON.parse(Buffer.isBuffer(v) ? v.toString('utf8') : v);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function withList(message: string, label: string, items: string[] | undefined, max = 10): string {
  if (!items || items.length === 0) return message;
  const shown = items.slice(0, max).map((s) => JSON.stringify(s));
  const more = items.length > max ? ` and ${items.length - max} more` : '';
  const sep = /[.!?]$/.test(message) ? ' ' : '. ';
  return `${message}${sep}${label}: ${shown.join(', ')}${more}${label === 'Did you mean' ? '?' : ''}`;
}

// google.rpc.Status with one google.rpc.ErrorInfo, encoded with the compiled contract's schemas.
let schemas: { errorInfo: DescMessage; status: DescMessage } | null = null;

export function errorSchemas(): { errorInfo: DescMessage; status: DescMessage } {
  schemas ??= {
    errorInfo: descriptors().registry.getMessage('google.rpc.ErrorInfo')!,
    status: descriptors().registry.getMessage('google.rpc.Status')!,
  };
  return schemas;
}

/** The google.rpc.ErrorInfo fields of an error (the HTTP/JSON listener sends the same detail). */
export function errorInfoFields(reason: string, suggestions: string[]) {
  return {
    reason,
    domain: ERROR_DOMAIN,
    metadata: Object.fromEntries(suggestions.slice(0, MAX_DETAIL_SUGGESTIONS).map((s, i) => [`suggestion_${i + 1}`, s])),
  };
}

function encodeStatus(code: number, message: string, reason: string, suggestions: string[]): Buffer {
  const { errorInfo, status } = errorSchemas();
  const info = create(errorInfo, errorInfoFields(reason, suggestions) as never);
  return Buffer.from(
    toBinary(status, create(status, { code, message, details: [anyPack(errorInfo, info)] } as never)),
  );
}

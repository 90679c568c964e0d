// Calls to the HTTP/JSON listener the way curl makes them: plain fetch, no Connect library, so the
// tests see the wire (status codes, headers, error JSON, stream envelopes) as a user does.
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** POST /<service>/<method> with a JSON body; `dispatcher` for TLS options. */
export async function postJson(
  base: string,
  method: string,
  body: unknown,
  opts: { token?: string; headers?: Record<string, string>; dispatcher?: Dispatcher; raw?: string | Uint8Array; contentType?: string } = {},
): Promise<HttpAnswer> {
  const res = await undiciFetch(`${base}/${method}`, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: opts.raw ?? JSON.stringify(body),
    dispatcher: opts.dispatcher,
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, headers: res.headers as unknown as Headers, body: parsed, text };
}

/** A server-streaming call in the Connect protocol: enveloped JSON in, enveloped JSON out. */
export async function connectStream(
  base: string,
  method: string,
  body: unknown,
  opts: { token?: string; maxMessages?: number; timeoutMs?: number } = {},
): Promise<{ status: number; messages: any[]; end: any }> {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  const frame = Buffer.alloc(5 + json.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(json.length, 1);
  json.copy(frame, 5);
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs ?? 10_000);
  const res = await undiciFetch(`${base}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/connect+json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    body: frame,
    signal: ac.signal,
  });
  const messages: any[] = [];
  let end: any = null;
  let buf = Buffer.alloc(0);
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buf = Buffer.concat([buf, Buffer.from(chunk)]);
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
        const flags = buf.readUInt8(0);
        const len = buf.readUInt32BE(1);
        const payload = JSON.parse(buf.subarray(5, 5 + len).toString('utf8'));
        buf = buf.subarray(5 + len);
        if (flags & 0x02) end = payload;
        else messages.push(payload);
      }
      if (end || (opts.maxMessages !== undefined && messages.length >= opts.maxMessages)) break;
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return { status: res.status, messages, end };
}

/** An undici agent for https with the given CA and (optionally) a client certificate. */
export function tlsAgent(ca: Buffer, client?: { cert: Buffer; key: Buffer }): Agent {
  return new Agent({ connect: { ca, ...(client ? { cert: client.cert, key: client.key } : {}) } });
}

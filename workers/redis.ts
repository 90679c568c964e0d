// Redis connections. BullMQ 6 takes the client as a peer dependency (ioredis), so we build the
// clients here with settings that fit each role.
import { Redis, type RedisOptions } from 'ioredis';

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * For workers: BullMQ's blocking commands need maxRetriesPerRequest null, and a worker should wait
 * out a Redis restart rather than die, so it reconnects forever (backing off to 2 s).
 */
export function workerRedis(url: string, name = 'marquee-worker'): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

export interface ClientRedisOptions {
  name?: string;
  /** how long one connection attempt may take */
  connectTimeoutMs?: number;
}

/**
 * For producers and readers (CLI, service admin): fail fast instead of queueing commands while Redis
 * is away (enableOfflineQueue false, one retry per request, short connect timeout), while still
 * reconnecting in the background so the service recovers by itself when Redis comes back.
 */
export function clientRedis(url: string, opts: ClientRedisOptions = {}): Redis {
  const options: RedisOptions = {
    connectionName: opts.name ?? 'marquee-client',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: opts.connectTimeoutMs ?? 2000,
    retryStrategy: (times) => Math.min(times * 250, 3000),
    lazyConnect: true,
  };
  return new Redis(url, options);
}

/** Connects a lazy client, or fails within `timeoutMs` with a message naming REDIS_URL. */
export async function connectOrFail(client: Redis, url: string, timeoutMs = 3000): Promise<void> {
  if (client.status === 'ready') return;
  let lastError: Error | undefined;
  let refused: ((e: Error) => void) | undefined;
  const onError = (e: Error) => {
    lastError = e;
    // nothing listens there, or the host does not exist: no point waiting for the timeout
    if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH/.test((e as NodeJS.ErrnoException).code ?? e.message)) refused?.(e);
  };
  client.on('error', onError);
  try {
    const ready = new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      refused = (e) => reject(new RedisUnavailableError(`cannot reach Redis at ${redactRedisUrl(url)} (REDIS_URL): ${e.message}`));
    });
    if (client.status === 'wait') client.connect().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RedisUnavailableError(
              `cannot reach Redis at ${redactRedisUrl(url)} (REDIS_URL)${lastError ? `: ${lastError.message}` : ''}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    client.off('error', onError);
  }
}

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

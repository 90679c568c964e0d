// Hot swap on publish: the publish worker announces each new version on the Redis channel
// <prefix>:published; this subscriber hands it to holder.load(version), which builds the new
// state in the background while calls go on against the old one, then swaps atomically.
// When the subscription (re)connects, CURRENT is checked too, so an announcement missed during
// a Redis outage is caught up at once; service/watch.ts polls CURRENT as the fallback without Redis.
import type { Redis } from 'ioredis';
import type { Logger } from '../../pipeline/log.js';
import { publishedChannel, type PublishedMessage } from '../../workers/names.js';
import type { CatalogHolder } from '../state.js';

export interface PublishNotifier {
  close(): Promise<void>;
}

export function subscribePublished(sub: Redis, holder: CatalogHolder, prefix: string, log: Logger): PublishNotifier {
  const channel = publishedChannel(prefix);
  let closed = false;

  const load = (version: string, why: string) => {
    if (holder.version === version) return;
    // version names sort by time: a late or repeated announcement never takes the service back
    if (holder.version && version < holder.version) {
      log.warn({ version, current: holder.version, why }, 'ignoring the announcement of an older version');
      return;
    }
    log.info({ version, current: holder.version, why }, 'new catalog version announced: loading it');
    holder.load(version).catch(() => {
      // logged by the holder; the old version keeps serving and the CURRENT watcher retries later
    });
  };

  sub.on('message', (ch: string, raw: string) => {
    if (ch !== channel || closed) return;
    try {
      const msg = JSON.parse(raw) as PublishedMessage;
      if (typeof msg.version === 'string' && /^[\w.-]+$/.test(msg.version)) load(msg.version, `published by run ${msg.runId}`);
      else log.warn({ raw: raw.slice(0, 200) }, 'ignoring a malformed publish announcement');
    } catch {
      log.warn({ raw: raw.slice(0, 200) }, 'ignoring a malformed publish announcement');
    }
  });

  // ioredis re-subscribes by itself after a reconnect (autoResubscribe); 'ready' fires each time.
  sub.on('ready', () => {
    if (closed) return;
    holder.loadCurrent().catch(() => {});
  });

  sub.subscribe(channel).catch((err: Error) => log.warn({ err: err.message, channel }, 'subscribe failed; will retry on reconnect'));
  if (sub.status === 'wait') sub.connect().catch(() => {});

  return {
    async close() {
      closed = true;
      sub.disconnect();
    },
  };
}

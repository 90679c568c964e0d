import { readCurrent } from '../pipeline/artifacts/store.js';
import type { Logger } from '../pipeline/log.js';
import type { CatalogHolder } from './state.js';

export interface WatchOptions {
  /** how often to read CURRENT (ms) */
  intervalMs?: number;
  /** after a version failed to load, wait this long before trying it again (ms) */
  retryFailedMs?: number;
}

/**
 * Fallback notifier: polls `<artifactsDir>/CURRENT` and loads a new version when it changes.
 * (The Redis pub/sub notifier calls holder.load(version) directly and reacts faster; this one
 * keeps replicas correct without Redis.) Returns stop().
 */
export function watchCurrent(holder: CatalogHolder, log: Logger, opts: WatchOptions = {}): { stop: () => void } {
  const intervalMs = opts.intervalMs ?? 2000;
  const retryFailedMs = opts.retryFailedMs ?? 30_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failed: { version: string; at: number } | null = null;
  let saidWaiting = false;

  const tick = async () => {
    try {
      const version = await readCurrent(holder.artifactsDir);
      if (!version) {
        if (!saidWaiting && !holder.version) {
          log.warn({ artifactsDir: holder.artifactsDir, intervalMs }, 'nothing is published yet: NOT_SERVING, polling CURRENT until a version appears');
          saidWaiting = true;
        }
        return;
      }
      if (version === holder.version) return;
      if (failed?.version === version && Date.now() - failed.at < retryFailedMs) return;
      log.info({ version, current: holder.version }, 'CURRENT changed: loading the new version');
      await holder.load(version).then(
        () => (failed = null),
        () => (failed = { version, at: Date.now() }),
      );
    } catch (err) {
      log.error({ err }, 'reading CURRENT failed');
    } finally {
      if (!stopped) {
        timer = setTimeout(tick, intervalMs);
        timer.unref();
      }
    }
  };
  timer = setTimeout(tick, 0);
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

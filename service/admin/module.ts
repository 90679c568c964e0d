// marquee.v1.PipelineAdmin: start, read, watch and list rebuild runs (the same Orchestrator as the
// ops CLI), plus the publish subscriber that swaps the catalog to each newly published version.
//
// Redis is optional for the service: while it is unreachable these RPCs answer UNAVAILABLE at once
// (the admin client never queues commands: enableOfflineQueue false, short timeouts), the catalog
// RPCs keep being served, and both connections reconnect in the background by themselves.
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { ambiguous, invalidArgument, notFound, unavailable } from '../errors.js';
import { unary } from '../handlers.js';
import type { ServiceContext, ServiceModule } from '../modules.js';
import { AmbiguousRunError, Orchestrator, RunNotFoundError } from '../../workers/orchestrator.js';
import { clientRedis, redactRedisUrl } from '../../workers/redis.js';
import { QUEUE_STAGES } from '../../workers/names.js';
import { isTerminal } from '../../workers/runs.js';
import { loadOrchestrationSettings, type OrchestrationSettings } from '../../workers/settings.js';
import { runMessage } from './messages.js';
import { subscribePublished } from './notify.js';

/** An admin call gives up after this long (Redis slow or half-open) with UNAVAILABLE. */
const CALL_TIMEOUT_MS = 5000;
/** A call made while the connection is being (re)established waits this long for it. */
const CONNECT_GRACE_MS = 1500;

function readyWithin(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  if (redis.status === 'end' || redis.status === 'close') return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(redis.status === 'ready'), ms);
    redis.on('ready', onReady);
  });
}

interface AdminRuntime {
  redis: Redis;
  orch: Orchestrator;
  settings: OrchestrationSettings;
  lastError?: string;
}

export interface AdminModuleOptions {
  /** defaults to the environment (MARQUEE_QUEUE_PREFIX, MARQUEE_ATTEMPTS, ...) read at start-up */
  settings?: OrchestrationSettings;
  /** subscribe to publish announcements and swap (default true) */
  swapOnPublish?: boolean;
}

function runIdArg(v: unknown): string {
  const id = typeof v === 'string' ? v.trim() : '';
  if (id !== '' && !/^[0-9a-f-]{4,36}$/i.test(id)) {
    throw invalidArgument(
      `run_id ${JSON.stringify(id.slice(0, 60))} is not a run id: give the UUID printed by StartRebuild/ListRuns, a unique prefix of it (4+ characters), or nothing for the active/latest run`,
      { reason: 'BAD_RUN_ID' },
    );
  }
  return id;
}

export interface AdminModule extends ServiceModule {
  /** WatchRun handlers alive right now (looking the run up or polling it), one per open stream */
  activeWatches(): number;
}

export function createAdminModule(opts: AdminModuleOptions = {}): AdminModule {
  const runtimes = new WeakMap<ServiceContext, AdminRuntime>();
  const watches = new Set<AbortController>();

  const runtime = (ctx: ServiceContext): AdminRuntime => {
    let rt = runtimes.get(ctx);
    if (!rt) {
      const settings = opts.settings ?? loadOrchestrationSettings();
      const redis = clientRedis(ctx.config.redisUrl, { name: 'marquee-service-admin', connectTimeoutMs: 1500 });
      const orch = new Orchestrator(redis, ctx.config, settings, (err) => ctx.log.debug({ err: err.message }, 'admin queue error'));
      const r: AdminRuntime = { redis, orch, settings };
      let said = false;
      redis.on('error', (err: Error) => {
        r.lastError = err.message;
        if (!said) ctx.log.warn({ redis: redactRedisUrl(ctx.config.redisUrl), err: err.message }, 'pipeline admin: Redis unreachable; admin RPCs answer UNAVAILABLE until it is back');
        said = true;
      });
      redis.on('ready', () => {
        if (said) ctx.log.info('pipeline admin: Redis is back');
        said = false;
        r.lastError = undefined;
      });
      rt = r;
      runtimes.set(ctx, rt);
    }
    return rt;
  };

  /** Runs an admin operation, turning an unreachable/slow Redis into UNAVAILABLE and run lookups into NOT_FOUND. */
  const guarded = async <T>(ctx: ServiceContext, fn: (orch: Orchestrator) => Promise<T>): Promise<T> => {
    const rt = runtime(ctx);
    const down = () =>
      unavailable(
        `the pipeline admin needs Redis at ${redactRedisUrl(ctx.config.redisUrl)} (REDIS_URL), which is unreachable${rt.lastError ? ` (${rt.lastError})` : ''}; catalog queries are not affected; try again once Redis is back`,
        'REDIS_UNAVAILABLE',
      );
    if (rt.redis.status !== 'ready') {
      if (rt.redis.status === 'wait') rt.redis.connect().catch(() => {});
      // the first connection is still being made (service just started): give it a moment; once
      // Redis is known to be down, answer UNAVAILABLE at once
      if (rt.lastError !== undefined || !(await readyWithin(rt.redis, CONNECT_GRACE_MS))) throw down();
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(rt.orch),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(down()), CALL_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      if (err instanceof RunNotFoundError) throw notFound(err.message, err.recent, 'RUN_NOT_FOUND');
      if (err instanceof AmbiguousRunError) throw ambiguous(`run id prefix ${JSON.stringify(err.prefix)} matches several runs`, err.candidates, 'AMBIGUOUS_RUN_ID');
      if (rt.redis.status !== 'ready' || /ECONNREFUSED|Connection is closed|enableOfflineQueue|ETIMEDOUT|EHOSTUNREACH/i.test(String((err as Error)?.message))) {
        rt.lastError ??= (err as Error)?.message;
        throw down();
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    activeWatches: () => watches.size,
    protoFiles: ['marquee/v1/pipeline.proto'],
    serviceName: 'marquee.v1.PipelineAdmin',
    servingWithoutCatalog: true,
    // the same queues (prefix, connection) the admin RPCs use
    queues: (ctx) => QUEUE_STAGES.map((stage) => runtime(ctx).orch.queue(stage)),
    implementation: (ctx) => ({
      StartRebuild: unary(() =>
        guarded(ctx, async (orch) => {
          const { run, created } = await orch.startRebuild('rpc');
          ctx.log.info({ runId: run.id, created }, created ? 'rebuild started (rpc)' : 'rebuild already in progress (rpc)');
          return { run: runMessage(run), created };
        }),
      ),
      GetRun: unary((req: { runId?: string }) => {
        const id = runIdArg(req.runId);
        return guarded(ctx, async (orch) => ({ run: runMessage(await orch.findRun(id)) }));
      }),
      ListRuns: unary((req: { limit?: number }) => {
        const limit = req.limit ?? 0;
        if (!Number.isInteger(limit) || limit < 0 || limit > 100) {
          throw invalidArgument(`limit ${limit} is out of range: give 1-100, or 0 for the default (20)`, { reason: 'BAD_LIMIT' });
        }
        return guarded(ctx, async (orch) => {
          const [runs, active] = await Promise.all([orch.listRuns(limit || 20), orch.store.activeRunId()]);
          return { runs: runs.map((r) => runMessage(r)), activeRunId: active ?? '' };
        });
      }),
      WatchRun: async (call: grpc.ServerWritableStream<{ runId?: string }, unknown>) => {
        // Listen for the end of the call before anything is awaited: a client that cancels (or
        // whose deadline passes) during the run lookup must not leave a polling loop behind.
        const ac = new AbortController();
        const stop = () => ac.abort();
        call.on('cancelled', stop);
        call.on('close', stop);
        call.on('error', stop);
        if (call.cancelled) stop();
        watches.add(ac);
        try {
          const id = runIdArg(call.request.runId);
          const first = await guarded(ctx, (orch) => orch.findRun(id));
          if (ac.signal.aborted) return;
          try {
            for await (const run of runtime(ctx).orch.watchRun(first.id, { signal: ac.signal })) {
              call.write({ run: runMessage(run), final: isTerminal(run) });
            }
          } catch (err) {
            if (ac.signal.aborted) return;
            if (err instanceof RunNotFoundError) throw notFound(err.message, [], 'RUN_NOT_FOUND');
            throw unavailable(`lost Redis while watching run ${first.id}: ${(err as Error).message}; watch again once Redis is back`, 'REDIS_UNAVAILABLE');
          }
          if (!ac.signal.aborted) call.end();
        } finally {
          watches.delete(ac);
        }
      },
    }),
    async start(ctx) {
      const rt = runtime(ctx);
      rt.redis.connect().catch(() => {}); // in the background: the service starts whether Redis is up or not
      let sub: Redis | undefined;
      let notifier: { close(): Promise<void> } | undefined;
      if (opts.swapOnPublish !== false) {
        sub = new Redis(ctx.config.redisUrl, {
          connectionName: 'marquee-service-published',
          connectTimeout: 1500,
          maxRetriesPerRequest: null,
          retryStrategy: (times) => Math.min(times * 250, 5000),
        });
        sub.on('error', () => {}); // the admin client reports the outage once; this one just retries
        notifier = subscribePublished(sub, ctx.holder, rt.settings.prefix, ctx.log);
      }
      return {
        async close() {
          await notifier?.close();
          await rt.orch.close();
          rt.redis.disconnect();
        },
      };
    },
  };
}

export const adminModule = createAdminModule();

// Ops commands against the queues (`npm run pipeline -- <command>`; `--inline` is handled before
// this module is loaded and needs no Redis): rebuild, status, watch, runs, schedule.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../pipeline/config.js';
import { createLogger } from '../pipeline/log.js';
import { REBUILD_QUEUE } from './names.js';
import { AmbiguousRunError, Orchestrator, RunNotFoundError } from './orchestrator.js';
import { clientRedis, connectOrFail, RedisUnavailableError } from './redis.js';
import { createRunRenderer, formatRun, formatRunLine } from './render.js';
import { isTerminal, type RunRecord } from './runs.js';
import { getSchedule, removeSchedule, setSchedule } from './schedule.js';
import { loadOrchestrationSettings } from './settings.js';

export const OPS_USAGE = `npm run pipeline -- <command> [options]      (REDIS_URL, MARQUEE_QUEUE_PREFIX)
  rebuild [--watch]          queue a rebuild (a run in progress is returned instead of starting another)
  status [RUN]               a run's stages, progress, timings, errors (default: the active or latest run)
  watch [RUN]                follow a run live until it ends (exit code 0 completed, 1 failed)
                             RUN: a run id or a unique prefix of one (4+ characters)
  runs [--limit N]           recent runs, newest first
  schedule                   show the periodic rebuild
  schedule set CRON [--tz Z] rebuild periodically, e.g. "0 3 * * *" (BullMQ job scheduler)
  schedule off               stop rebuilding periodically
  --json                     machine-readable output (rebuild, status, runs, schedule)
  --server HOST:PORT         rebuild, status, watch and runs through the service's admin RPCs instead of Redis
                             (env MARQUEE_SERVER; sends MARQUEE_ADMIN_TOKEN; TLS with MARQUEE_TLS_CA, and for
                             mutual TLS MARQUEE_TLS_CLIENT_CERT + MARQUEE_TLS_CLIENT_KEY)
  --inline                   build in-process without Redis (see --inline --help)`;

export async function runOpsCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      watch: { type: 'boolean' },
      json: { type: 'boolean' },
      limit: { type: 'string' },
      tz: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      'data-dir': { type: 'string' },
      'artifacts-dir': { type: 'string' },
      server: { type: 'string' },
    },
    strict: true,
  });
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    console.log(OPS_USAGE);
    return cmd || values.help ? 0 : 2;
  }
  if (!['rebuild', 'status', 'watch', 'runs', 'schedule'].includes(cmd)) {
    console.error(`unknown command ${JSON.stringify(cmd)}\n${OPS_USAGE}`);
    return 2;
  }
  const server = values.server ?? process.env.MARQUEE_SERVER;
  if (server) return runRemote(cmd, rest, server, Boolean(values.json), Boolean(values.watch), values.limit);
  const config = loadConfig({
    ...(values['data-dir'] && { dataDir: values['data-dir'] }),
    ...(values['artifacts-dir'] && { artifactsDir: values['artifacts-dir'] }),
  });
  const settings = loadOrchestrationSettings();
  const log = createLogger('ops', process.env.LOG_LEVEL ?? 'warn');
  const redis = clientRedis(config.redisUrl, { name: 'marquee-ops-cli' });
  redis.on('error', () => {}); // reported through connectOrFail / the failing command
  const orch = new Orchestrator(redis, config, settings, (err) => log.debug({ err: err.message }, 'queue error'));
  try {
    await connectOrFail(redis, config.redisUrl);
    const json = Boolean(values.json);
    switch (cmd) {
      case 'rebuild': {
        const { run, created } = await orch.startRebuild('cli');
        if (json && !values.watch) console.log(JSON.stringify({ created, run }, null, 2));
        else
          console.log(
            created
              ? `Started run ${run.id} (version ${run.version})`
              : `A run is already in progress: ${run.id} (${run.status}); not starting another`,
          );
        return values.watch ? await watch(orch, run.id) : 0;
      }
      case 'status': {
        const run = await pickRun(orch, rest[0]);
        console.log(json ? JSON.stringify(run, null, 2) : formatRun(run));
        return 0;
      }
      case 'watch': {
        const run = await pickRun(orch, rest[0]);
        return await watch(orch, run.id);
      }
      case 'runs': {
        const limit = values.limit === undefined ? 20 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new ConfigError(`--limit ${values.limit}: expected a whole number >= 1`);
        const runs = await orch.listRuns(limit);
        if (json) console.log(JSON.stringify(runs, null, 2));
        else if (runs.length === 0) console.log('no runs yet');
        else for (const r of runs) console.log(formatRunLine(r));
        return 0;
      }
      case 'schedule': {
        const q = orch.queue(REBUILD_QUEUE);
        const [sub, pattern] = rest;
        if (sub === 'set') {
          if (!pattern) throw new ConfigError('schedule set needs a cron pattern, e.g. "0 3 * * *"');
          const s = await setSchedule(q, pattern, values.tz).catch((err: Error) => {
            throw new ConfigError(`cron pattern ${JSON.stringify(pattern)}: ${err.message}`);
          });
          console.log(json ? JSON.stringify(s) : `Rebuild scheduled: ${s.pattern}${s.tz ? ` (${s.tz})` : ''}; next at ${s.next}`);
        } else if (sub === 'off') {
          const removed = await removeSchedule(q);
          console.log(json ? JSON.stringify({ removed }) : removed ? 'Rebuild schedule removed' : 'No rebuild schedule was set');
        } else if (sub === undefined) {
          const s = await getSchedule(q);
          console.log(json ? JSON.stringify(s) : s ? `Rebuild schedule: ${s.pattern}${s.tz ? ` (${s.tz})` : ''}; next at ${s.next}` : 'No rebuild schedule');
        } else {
          throw new ConfigError(`schedule ${sub}: expected set CRON or off`);
        }
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof RunNotFoundError || err instanceof AmbiguousRunError || err instanceof RedisUnavailableError) {
      console.error(`error: ${err.message}`);
      return err instanceof RedisUnavailableError ? 4 : 3;
    }
    throw err;
  } finally {
    await orch.close();
    redis.disconnect();
  }
}

/** What the run commands need: the Orchestrator (Redis) or RemoteRunOps (the admin RPCs). */
interface RunOps {
  findRun(id?: string): Promise<RunRecord>;
  watchRun(runId: string, opts: { signal?: AbortSignal }): AsyncGenerator<RunRecord>;
}

/** The run named (id or unique prefix), else the active one, else the latest. */
function pickRun(orch: RunOps, id: string | undefined): Promise<RunRecord> {
  return orch.findRun(id);
}

/** rebuild/status/watch/runs through the service (`--server`): exit 3 not found, 4 unavailable, 5 refused. */
async function runRemote(cmd: string, rest: string[], server: string, json: boolean, follow: boolean, limitArg?: string): Promise<number> {
  if (cmd === 'schedule') throw new ConfigError('schedule talks to Redis directly; run it without --server (REDIS_URL)');
  const { RemoteRunOps, remoteAuthFromEnv } = await import('../service/admin/remote.js');
  const { checkListenAddr } = await import('../pipeline/config.js');
  checkListenAddr('--server', server, 'localhost:50051');
  const ops = new RemoteRunOps(server, remoteAuthFromEnv());
  try {
    switch (cmd) {
      case 'rebuild': {
        const { run, created } = await ops.startRebuild();
        if (json && !follow) console.log(JSON.stringify({ created, run }, null, 2));
        else console.log(created ? `Started run ${run.id} (version ${run.version})` : `A run is already in progress: ${run.id} (${run.status}); not starting another`);
        return follow ? await watch(ops, run.id) : 0;
      }
      case 'status': {
        const run = await pickRun(ops, rest[0]);
        console.log(json ? JSON.stringify(run, null, 2) : formatRun(run));
        return 0;
      }
      case 'watch':
        return await watch(ops, (await pickRun(ops, rest[0])).id);
      case 'runs': {
        const limit = limitArg === undefined ? 20 : Number(limitArg);
        if (!Number.isInteger(limit) || limit < 1) throw new ConfigError(`--limit ${limitArg}: expected a whole number >= 1`);
        const runs = await ops.listRuns(limit);
        if (json) console.log(JSON.stringify(runs, null, 2));
        else if (runs.length === 0) console.log('no runs yet');
        else for (const r of runs) console.log(formatRunLine(r));
        return 0;
      }
    }
    return 2;
  } catch (err) {
    const e = err as { code?: number; details?: string };
    if (typeof e.code !== 'number' || e.details === undefined) throw err;
    console.error(`error: ${e.details} (${server})`);
    return e.code === 5 ? 3 : e.code === 16 || e.code === 7 ? 5 : 4; // NOT_FOUND; UNAUTHENTICATED / PERMISSION_DENIED; else
  } finally {
    await ops.close();
  }
}

async function watch(orch: RunOps, runId: string): Promise<number> {
  const renderer = createRunRenderer(process.stderr);
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  let last: RunRecord | undefined;
  try {
    for await (const run of orch.watchRun(runId, { signal: ac.signal })) {
      last = run;
      renderer.update(run);
    }
  } finally {
    renderer.stop();
    process.off('SIGINT', onSig);
  }
  if (!last) return 1;
  if (!isTerminal(last)) {
    console.log(`stopped watching; run ${last.id} goes on (${last.status})`);
    return 0;
  }
  console.log(
    last.status === 'completed'
      ? `Run ${last.id} completed in ${((last.ms ?? 0) / 1000).toFixed(1)} s: published ${last.publishedVersion}`
      : `Run ${last.id} failed: ${last.error}`,
  );
  return last.status === 'completed' ? 0 : 1;
}

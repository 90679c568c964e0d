// Text for people: a run as a table, the list of runs, and the live view of a run being watched
// (a cli-progress bar per stage on a terminal, plain lines otherwise: logs and CI).
import cliProgress from 'cli-progress';
import type { RunRecord, StageRecord } from './runs.js';

const n = new Intl.NumberFormat('en-US');

export function secs(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`;
}

function elapsed(run: RunRecord, now = Date.now()): number | undefined {
  if (run.ms !== undefined) return run.ms;
  const from = run.startedAt ?? run.createdAt;
  return from ? now - Date.parse(from) : undefined;
}

function stageDetail(s: StageRecord): string {
  const parts: string[] = [];
  if (s.status === 'completed') {
    parts.push(secs(s.ms));
    const c = Object.entries(s.counts ?? {}).slice(0, 3).map(([k, v]) => `${k} ${n.format(v)}`);
    if (c.length) parts.push(c.join(', '));
  } else if (s.progress) {
    const p = s.progress;
    parts.push(`${n.format(p.done)}${p.total ? `/${n.format(p.total)}` : ''} ${p.unit}${p.total ? ` (${Math.floor((100 * p.done) / p.total)}%)` : ''}`);
    if (p.message) parts.push(p.message);
  }
  if (s.attempt > 1) parts.push(`attempt ${s.attempt}/${s.maxAttempts}`);
  if (s.stalls > 0) parts.push(`recovered from ${s.stalls} stalled worker${s.stalls > 1 ? 's' : ''}`);
  if (s.error && s.status !== 'completed') parts.push(`error: ${s.error}`);
  else if (s.error) parts.push(`(earlier attempt failed: ${s.error})`);
  return parts.filter(Boolean).join('  ');
}

export function formatRun(run: RunRecord): string {
  const lines = [
    `Run ${run.id}  ${run.status.toUpperCase()}  (trigger ${run.trigger || '?'}, created ${run.createdAt}${elapsed(run) !== undefined ? `, ${secs(elapsed(run))}` : ''})`,
    `  version ${run.version}${run.publishedVersion ? ' (published)' : ''}`,
    `  data ${run.dataDir}  ->  artifacts ${run.artifactsDir}`,
  ];
  for (const s of run.stages) {
    lines.push(`  ${s.stage.padEnd(10)} ${s.status.padEnd(10)} ${stageDetail(s)}`.trimEnd());
  }
  if (run.error) lines.push(`  error: ${run.error}`);
  return lines.join('\n');
}

export function formatRunLine(run: RunRecord): string {
  const t = secs(elapsed(run)).padStart(9);
  const what = run.status === 'failed' ? (run.error ?? '') : run.status === 'completed' ? `published ${run.publishedVersion}` : (run.stages.find((s) => s.status === 'active')?.stage ?? '');
  return `${run.id}  ${run.createdAt}  ${run.status.padEnd(9)} ${t}  ${(run.trigger || '?').padEnd(8)} ${what}`;
}

export interface RunRenderer {
  update(run: RunRecord): void;
  stop(): void;
}

/** Live view: one bar per stage on a TTY; on other streams, a line per change (progress at most every `plainEveryMs`). */
export function createRunRenderer(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 2000): RunRenderer {
  return stream.isTTY ? barRenderer(stream) : plainRenderer(stream, plainEveryMs);
}

function barRenderer(stream: NodeJS.WriteStream): RunRenderer {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: ' {stage} |{bar}| {pct} {status} {detail}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    update(run) {
      for (const s of run.stages) {
        const total = s.status === 'completed' ? 1 : s.progress?.total ?? Math.max(s.progress?.done ?? 0, 1);
        const value = s.status === 'completed' ? 1 : s.progress?.total ? s.progress.done : 0;
        const pct = s.status === 'completed' ? '100%' : s.progress?.total ? `${Math.floor((100 * value) / total)}%` : '  -';
        const payload = { stage: s.stage.padEnd(9), status: s.status.padEnd(9), detail: stageDetail(s), pct: pct.padStart(4) };
        let bar = bars.get(s.stage);
        if (!bar) {
          bar = multi.create(total, value, payload);
          bars.set(s.stage, bar);
        } else {
          bar.setTotal(total);
          bar.update(value, payload);
        }
      }
    },
    stop() {
      multi.stop();
    },
  };
}

function plainRenderer(stream: NodeJS.WriteStream, everyMs: number): RunRenderer {
  const lastStatus = new Map<string, string>();
  const lastLine = new Map<string, number>();
  let runStatus = '';
  return {
    update(run) {
      if (run.status !== runStatus) {
        runStatus = run.status;
        stream.write(`run ${run.id} ${run.status}${run.error ? `: ${run.error}` : ''}\n`);
      }
      for (const s of run.stages) {
        const key = `${s.status}/${s.attempt}`;
        const now = Date.now();
        const changed = lastStatus.get(s.stage) !== key;
        const due = s.status === 'active' && s.progress && now - (lastLine.get(s.stage) ?? 0) >= everyMs;
        if (!changed && !due) continue;
        lastStatus.set(s.stage, key);
        if (s.status === 'waiting' && s.attempt === 0) continue; // not started yet: nothing to say
        lastLine.set(s.stage, now);
        stream.write(`[${s.stage}] ${s.status} ${stageDetail(s)}`.trimEnd() + '\n');
      }
    },
    stop() {},
  };
}

import type { Progress } from './stages/context.js';

/**
 * Renders stage progress for a person: one self-overwriting line with rate on a TTY,
 * a plain line every few seconds otherwise (logs, CI).
 */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 2000) {
  const tty = Boolean(stream.isTTY);
  // The rate shown is the recent one (over the last ~0.5 s or more), not the average since the stage
  // began: stages have silent phases (a fit, a sort) that would make an average meaningless.
  const samples = new Map<string, { t: number; done: number; rate?: number }>();
  let lastPlain = 0;
  let lastStage = '';

  const fmt = new Intl.NumberFormat('en-US');
  const render = (p: Progress): string => {
    const now = performance.now();
    const s = samples.get(p.stage);
    if (!s) {
      samples.set(p.stage, { t: now, done: p.done });
    } else if (now - s.t >= 500) {
      s.rate = ((p.done - s.done) * 1000) / (now - s.t);
      s.t = now;
      s.done = p.done;
    }
    const rate = samples.get(p.stage)?.rate;
    const of = p.total ? `/${fmt.format(p.total)}` : '';
    const pct = p.total ? ` ${Math.floor((100 * p.done) / p.total)}%` : '';
    const perSec = rate === undefined ? '' : `  ${fmt.format(Math.round(rate))} ${p.unit}/s`;
    return `[${p.stage}] ${fmt.format(p.done)}${of} ${p.unit}${pct}${perSec}${p.message ? `  ${p.message}` : ''}`;
  };

  return {
    update(p: Progress): void {
      if (tty) {
        if (lastStage && lastStage !== p.stage) stream.write('\n');
        stream.write(`\r\x1b[2K${render(p)}`);
      } else {
        const now = Date.now();
        if (now - lastPlain < plainEveryMs && lastStage === p.stage) return;
        lastPlain = now;
        stream.write(render(p) + '\n');
      }
      lastStage = p.stage;
    },
    done(): void {
      if (tty && lastStage) stream.write('\n');
      lastStage = '';
    },
  };
}

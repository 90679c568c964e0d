import type { Progress } from './stages/context';

/**
 * Renders stage progress for a person: one self-overwriting line with rate on a TTY,
 * a plain line every few seconds otherwise (logs, CI).
 */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr, plainEveryMs = 2000) {
  const tty = Boolean(stream.isTTY);
  const started = new Map<string, number>();
  let lastPlain = 0;
  let lastStage = '';

  const fmt = new Intl.NumberFormat('en-US');
  const render = (p: Progress): string => {
    const t0 = started.get(p.stage) ?? performance.now();
    const secs = Math.max((performance.now() - t0) / 1000, 0.001);
    const rate = Math.round(p.done / secs);
    const of = p.total ? `/${fmt.format(p.total)}` : '';
    const pct = p.total ? ` ${Math.floor((100 * p.done) / p.total)}%` : '';
    return `[${p.stage}] ${fmt.format(p.done)}${of} ${p.unit}${pct}  ${fmt.format(rate)} ${p.unit}/s${p.message ? `  ${p.message}` : ''}`;
  };

  return {
    update(p: Progress): void {
      if (!started.has(p.stage)) started.set(p.stage, performance.now());
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

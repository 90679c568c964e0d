import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createProgressPrinter } from '../../pipeline/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
  return { stream, chunks };
}

describe('progress printer', () => {
  it('on a TTY overwrites one line per stage and shows the recent rate once it can measure one', async () => {
    const { stream, chunks } = fakeStream(true);
    const p = createProgressPrinter(stream);
    p.update({ stage: 'extract', done: 0, unit: 'rows' });
    expect(chunks.at(-1)).toBe('\r\x1b[2K[extract] 0 rows');
    await sleep(600);
    p.update({ stage: 'extract', done: 3000, total: 6000, unit: 'rows', message: 'movies' });
    const line = chunks.at(-1)!;
    expect(line).toMatch(/^\r\x1b\[2K\[extract\] 3,000\/6,000 rows 50% {2}([\d,]+) rows\/s {2}movies$/);
    const rate = Number(line.match(/([\d,]+) rows\/s/)![1].replace(/,/g, ''));
    expect(rate).toBeGreaterThan(1000); // 3000 rows in ~0.6 s
    expect(rate).toBeLessThan(5100);
    p.update({ stage: 'transform', done: 1, unit: 'rows' });
    expect(chunks.at(-2)).toBe('\n'); // the finished stage's line stays
    p.done();
    expect(chunks.at(-1)).toBe('\n');
  });

  it('elsewhere prints plain lines, at most one per interval for a stage, and always on a stage change', () => {
    const { stream, chunks } = fakeStream(false);
    const p = createProgressPrinter(stream, 60_000);
    for (let i = 0; i < 100; i++) p.update({ stage: 'extract', done: i, unit: 'rows' });
    p.update({ stage: 'transform', done: 5, unit: 'rows' });
    expect(chunks).toEqual(['[extract] 0 rows\n', '[transform] 5 rows\n']);
  });
});

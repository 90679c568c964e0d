import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, PROJECT_ROOT } from '../../pipeline/config.js';
import { DEFAULT_GC_HEAP_GROWING_PERCENT, GC_GROWING_SETTING, gcGrowingPercentFrom } from '../../service/gc-tuning.js';

describe('MARQUEE_GC_HEAP_GROWING_PERCENT', () => {
  it('is V8\'s own (0) when unset or blank; takes whole numbers from 0 to 400', () => {
    expect(DEFAULT_GC_HEAP_GROWING_PERCENT).toBe(0);
    expect(gcGrowingPercentFrom({})).toBe(0);
    expect(gcGrowingPercentFrom({ [GC_GROWING_SETTING]: ' ' })).toBe(0);
    expect(gcGrowingPercentFrom({ [GC_GROWING_SETTING]: '0' })).toBe(0);
    expect(gcGrowingPercentFrom({ [GC_GROWING_SETTING]: '35' })).toBe(35);
  });

  it.each(['-1', '401', '12.5', 'auto'])('%s is refused with a message naming the setting', (v) => {
    expect(() => gcGrowingPercentFrom({ [GC_GROWING_SETTING]: v })).toThrow(ConfigError);
    expect(() => gcGrowingPercentFrom({ [GC_GROWING_SETTING]: v })).toThrow(new RegExp(`^${GC_GROWING_SETTING}=${JSON.stringify(v).replace('.', '\\.')} must be a whole number`));
  });

  it('a small growth makes V8 collect the old generation more often (the flag reaches V8)', () => {
    // a child process each: V8 flags are process-wide
    const majors = (percent: number) => {
      const out = execFileSync(process.execPath, ['--import', 'tsx', path.join('test', 'fixtures', 'gc', 'promote-garbage.ts'), String(percent)], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      });
      return (JSON.parse(out.trim().split('\n').pop()!) as { majors: number }).majors;
    };
    const own = majors(0);
    const small = majors(20);
    expect(small).toBeGreaterThan(2 * own);
  }, 60_000);
});

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, PROJECT_ROOT } from '../../pipeline/config.js';
import { AUTO_GROWTH_PERCENT, AUTO_MAX_MOVIES, GC_GROWING_SETTING, gcGrowingFrom, growthFor } from '../../service/gc-tuning.js';

describe('MARQUEE_GC_HEAP_GROWING_PERCENT', () => {
  it('is auto when unset, blank or auto; takes whole numbers from 0 to 400', () => {
    expect(gcGrowingFrom({})).toBe('auto');
    expect(gcGrowingFrom({ [GC_GROWING_SETTING]: ' ' })).toBe('auto');
    expect(gcGrowingFrom({ [GC_GROWING_SETTING]: 'AUTO' })).toBe('auto');
    expect(gcGrowingFrom({ [GC_GROWING_SETTING]: '0' })).toBe(0);
    expect(gcGrowingFrom({ [GC_GROWING_SETTING]: '35' })).toBe(35);
  });

  it('auto: a fixed growth for small catalogs, V8\'s own for large ones; a number always wins', () => {
    expect(growthFor('auto', 45_466)).toBe(AUTO_GROWTH_PERCENT);
    expect(growthFor('auto', AUTO_MAX_MOVIES - 1)).toBe(AUTO_GROWTH_PERCENT);
    expect(growthFor('auto', AUTO_MAX_MOVIES)).toBe(0);
    expect(growthFor('auto', 1_000_000)).toBe(0);
    expect(growthFor(35, 1_000_000)).toBe(35);
    expect(growthFor(0, 45_466)).toBe(0);
  });

  it.each(['-1', '401', '12.5', 'lots'])('%s is refused with a message naming the setting', (v) => {
    expect(() => gcGrowingFrom({ [GC_GROWING_SETTING]: v })).toThrow(ConfigError);
    expect(() => gcGrowingFrom({ [GC_GROWING_SETTING]: v })).toThrow(new RegExp(`^${GC_GROWING_SETTING}=${JSON.stringify(v).replace('.', '\\.')} must be auto or a whole number`));
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

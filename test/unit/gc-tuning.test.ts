import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, PROJECT_ROOT } from '../../pipeline/config.js';
import { readFileSync } from 'node:fs';
import { PIPELINE_NODE_FLAGS } from '../../pipeline/runtime/node-flags.js';
import { DEFAULT_GC_HEAP_GROWING_PERCENT, GC_GROWING_SETTING, gcGrowingPercentFrom, missingServiceFlags, SERVICE_NODE_FLAGS } from '../../service/gc-tuning.js';

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

// allocates short-lived objects for a while (V8 grows the young generation to its maximum), then prints its size
const GROW_THEN_MEASURE = `
let keep = [];
for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 2000) keep = []; }
console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);`;

describe('the serving node flags (SERVICE_NODE_FLAGS)', () => {
  const read = (f: string) => readFileSync(path.join(PROJECT_ROOT, f), 'utf8');

  it('are passed by every way the service is started: npm start, npm run service, the Dockerfile, docker-compose', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const dockerCmd = JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))![1]) as string[];
    const composeCmd = JSON.parse(/^ {2}service:\n(?: {4}.*\n)*? {4}command: (\[.*\])$/m.exec(read('docker-compose.yml'))![1]) as string[];
    expect(dockerCmd.at(-1)).toBe('dist/service/main.js');
    expect(composeCmd.at(-1)).toBe('dist/service/main.js');
    for (const flag of SERVICE_NODE_FLAGS) {
      expect(scripts.start.split(' ')).toContain(flag);
      expect(scripts.service.split(' ')).toContain(flag);
      expect(dockerCmd).toContain(flag);
      expect(composeCmd).toContain(flag);
    }
  });

  it('are missing unless given on the command line or in NODE_OPTIONS, with any value', () => {
    expect(missingServiceFlags([], '')).toEqual([...SERVICE_NODE_FLAGS]);
    expect(missingServiceFlags([...SERVICE_NODE_FLAGS], '')).toEqual([]);
    expect(missingServiceFlags(['--trace-gc'], SERVICE_NODE_FLAGS.join(' '))).toEqual([]);
    expect(missingServiceFlags(['--max_semi_space_size=8', '--expose_gc'], '')).toEqual([]);
    expect(missingServiceFlags(['--max-semi-space-size=2'], '')).toEqual(SERVICE_NODE_FLAGS.filter((f) => !f.startsWith('--max-semi-space-size')));
    expect(missingServiceFlags(['--max-old-space-size=2'], '--inspect')).toEqual([...SERVICE_NODE_FLAGS]);
  });

  it('reach V8 from the command line: the young generation is smaller than V8 sizes it', () => {
    const newSpace = (flags: readonly string[]) =>
      Number(
        execFileSync(process.execPath, [...flags, '-e', GROW_THEN_MEASURE], {
          encoding: 'utf8',
        }).trim(),
      );
    // new space is two semi-spaces, grown by V8 while short-lived objects are allocated fast
    expect(newSpace(SERVICE_NODE_FLAGS)).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(newSpace([])).toBeGreaterThan(newSpace(SERVICE_NODE_FLAGS));
  });
});

describe('the pipeline node flags (PIPELINE_NODE_FLAGS)', () => {
  const read = (f: string) => readFileSync(path.join(PROJECT_ROOT, f), 'utf8');

  it('are passed by every way the pipeline is started: npm run pipeline, npm run workers, docker-compose', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const compose = read('docker-compose.yml');
    const commands = [...compose.matchAll(/^ {4}command: (\[.*\])$/gm)].map((m) => JSON.parse(m[1]) as string[]);
    const pipelines = commands.filter((c) => c.includes('dist/workers/main.js') || (c.includes('dist/workers/cli.js') && c.includes('--inline')));
    expect(pipelines.length).toBe(3); // the workers, the embed-only workers, the inline run
    for (const flag of PIPELINE_NODE_FLAGS) {
      expect(scripts.pipeline.split(' ')).toContain(flag);
      expect(scripts.workers.split(' ')).toContain(flag);
      for (const c of pipelines) expect(c).toContain(flag);
    }
  });

  it('reach V8 from the command line: the young generation grows past V8\'s own maximum', () => {
    // more survivors per scavenge than GROW_THEN_MEASURE's, so V8 grows new space to its maximum
    const grow = GROW_THEN_MEASURE.replace('3e6', '6e6').replace('keep.length > 2000', 'keep.length > 300000');
    const newSpace = (flags: readonly string[]) => Number(execFileSync(process.execPath, [...flags, '-e', grow], { encoding: 'utf8' }).trim());
    expect(newSpace(PIPELINE_NODE_FLAGS)).toBeGreaterThan(newSpace([]));
  });
});

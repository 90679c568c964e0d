// Screenshot of a version's EDA report in headless Chromium, to look at the report as a reader does.
//   npm run report:screenshot -- [--version V] [--out file.png] [--chart genres]
// Chromium is a tool on this machine, not a project dependency: Debian's `chromium` package.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { readCurrent, versionDir } from '../artifacts/store.js';
import { EDA_FILES } from './paths.js';

const USAGE = `npm run report:screenshot -- [options]
  --version V          artifact version (default: the published CURRENT)
  --report FILE        a report.html to shoot instead of a version's
  --artifacts-dir DIR  artifacts root (env MARQUEE_ARTIFACTS_DIR; default data/artifacts)
  --out FILE           PNG to write (default: <tmp>/marquee-report-<version>.png)
  --width PX           window width (default 1400)
  --height PX          window height (default: the full page, from the report's own estimate)
  --chart ID           shoot one chart alone, at full size (genres, years, runtime, budget-revenue,
                       correlation, title-words, languages, countries, companies, missing,
                       not-admitted, pipeline-counts)
  --chromium PATH      browser binary (env CHROMIUM; default /usr/bin/chromium)`;

class UsageError extends Error {}

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < 100 || Number(v) > 30000) throw new UsageError(`--${name} ${v}: expected a whole number of pixels, 100 to 30000`);
  return Number(v);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      version: { type: 'string' },
      report: { type: 'string' },
      'artifacts-dir': { type: 'string' },
      out: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      chart: { type: 'string' },
      chromium: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }

  const chromium = values.chromium ?? process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    throw new UsageError(
      `Chromium is missing: ${chromium} does not exist.\n` +
        `Install Debian's package with:  apt-get update && apt-get install -y chromium\n` +
        `or point --chromium (or CHROMIUM) at another Chromium/Chrome binary.`,
    );
  }

  let report: string;
  let label: string;
  if (values.report) {
    report = path.resolve(values.report);
    label = path.basename(path.dirname(path.dirname(report))) || 'report';
  } else {
    const config = loadConfig(values['artifacts-dir'] ? { artifactsDir: values['artifacts-dir'] } : {});
    const version = values.version ?? (await readCurrent(config.artifactsDir));
    if (!version) {
      throw new UsageError(
        `no published version in ${config.artifactsDir}; run \`npm run pipeline -- --inline\` first or pass --version`,
      );
    }
    report = path.join(versionDir(config.artifactsDir, version), EDA_FILES.report);
    label = version;
  }
  if (!existsSync(report)) {
    throw new UsageError(`no EDA report at ${report} (was the eda stage run for this version?)`);
  }

  const width = positiveInt('width', values.width, 1400);
  const html = await readFile(report, 'utf8');
  // A fresh profile per shot: no state from earlier runs, nothing written to the user's profile.
  const profile = await mkdtemp(path.join(os.tmpdir(), 'marquee-chromium-'));
  let page = report;
  let estimate = Number(/<meta name="marquee:page-height" content="(\d+)">/.exec(html)?.[1] ?? 8000);
  if (values.chart) {
    // One chart alone: its section and the page's style in a page of their own (scrolling a
    // headless screenshot to an anchor is not reliable).
    const section = new RegExp(`<section id="${values.chart.replace(/[^\w-]/g, '')}">[\\s\\S]*?</section>`).exec(html);
    if (!section) {
      const ids = [...html.matchAll(/<section id="([\w-]+)">/g)].map((m) => m[1]);
      await rm(profile, { recursive: true, force: true });
      throw new UsageError(`--chart ${values.chart}: no such chart in the report; charts: ${ids.join(', ')}`);
    }
    const style = /<style>[\s\S]*?<\/style>/.exec(html)?.[0] ?? '';
    page = path.join(profile, 'chart.html');
    await writeFile(page, `<!doctype html><html><head><meta charset="utf-8">${style}</head><body><main>${section[0]}</main></body></html>`);
    const svgHeight = Number(/<svg[^>]*\sheight="(\d+)/.exec(section[0])?.[1] ?? 600);
    estimate = svgHeight + 260;
    label += `-${values.chart}`;
  }
  const height = positiveInt('height', values.height, estimate);
  const out = path.resolve(values.out ?? path.join(os.tmpdir(), `marquee-report-${label}.png`));
  const url = pathToFileURL(page).href;

  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    '--disable-quic',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
    `--screenshot=${out}`,
    `--window-size=${width},${height}`,
    url,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(chromium, args, { timeout: 120_000, maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`chromium failed (${err.message.split('\n')[0]}):\n${stderr.slice(-2000)}`));
        else resolve();
      });
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
  if (!existsSync(out)) throw new Error(`chromium exited but wrote no screenshot at ${out}`);
  const { size } = await stat(out);
  console.log(`${out} (${width}x${height}, ${Math.round(size / 1024)} KiB) of ${report}${values.chart ? ` (chart ${values.chart})` : ''}`);
}

main().catch((e: unknown) => {
  if (e instanceof UsageError || e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

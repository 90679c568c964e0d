// npm run bench:gc [-- --young service,v8 --live 0,300000,1500000 --percents 0,20 --runs 3 --seconds 10]
//
// The same-run ceiling for the service's GC pauses under load: a bare node:http2 server (no gRPC
// library, no catalog) with `live` strings held, loaded by h2load at 32 in flight, started with
// the service's node flags (SERVICE_NODE_FLAGS, a 2 MB young generation) and with V8's own, with
// V8's own old-generation growth (0) and with MARQUEE_GC_HEAP_GROWING_PERCENT's values. Prints, per setting,
// the median over runs of the longest GC pause (from --trace-gc), the full collections, calls/s,
// p99 and the longest call. The service itself is measured by bench:scale.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { ensureH2load, grpcFrame, h2load } from './h2load.js';
import { gcPauseOf, type GcPause } from './trace-gc.js';
import { SERVICE_NODE_FLAGS } from '../../service/gc-tuning.js';

const { values } = parseArgs({
  options: {
    live: { type: 'string', default: '0,300000,1500000' },
    percents: { type: 'string', default: '0,20' },
    // the young generation: the service's node flags (gc-tuning.ts SERVICE_NODE_FLAGS) or V8's own
    young: { type: 'string', default: 'service,v8' },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
  },
});
const list = (s: string) => s.split(',').map((x) => Number(x.replace(/_/g, '')));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Run {
  maxPause: number;
  fullGcs: number;
  perSec: number;
  p99: number;
  maxCall: number;
}

async function once(h2: string, live: number, percent: number, young: string): Promise<Run> {
  const p = spawn(process.execPath, ['--trace-gc', ...(young === 'service' ? SERVICE_NODE_FLAGS : []), '--import', 'tsx', path.join('test', 'bench', 'bare-http2-server.ts'), String(live), String(percent)], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pauses: GcPause[] = [];
  let measuring = false;
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    p.on('exit', (code) => reject(new Error(`bare server exited ${code}`)));
    p.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const g = gcPauseOf(l);
        if (g && measuring) pauses.push(g);
        const ready = /^listening (\d+)/.exec(l);
        if (ready) resolve(Number(ready[1]));
      }
    });
  });
  try {
    measuring = true;
    const load = await h2load(h2, `http://127.0.0.1:${port}/bench.Bare/Call`, grpcFrame(Buffer.alloc(0)), Number(values.seconds), 32);
    await new Promise((r) => setTimeout(r, 200)); // the last trace lines
    return {
      maxPause: pauses.reduce((a, g) => Math.max(a, g.pauseMs), 0),
      fullGcs: pauses.filter((g) => g.kind === 'Mark-Compact').length,
      perSec: load.perSec,
      p99: load.p99,
      maxCall: load.max,
    };
  } finally {
    p.removeAllListeners('exit');
    p.kill('SIGKILL');
  }
}

const h2 = ensureH2load();
if (!h2) throw new Error('bench:gc needs h2load (apt-get install nghttp2-client)');
console.log(`bench:gc bare node:http2 server, ${values.runs} runs of ${values.seconds} s per setting, medians`);
console.log('\n| young generation | live strings | growth % | longest GC pause | full GCs | calls/s | p99 | longest call |\n|---|---|---|---|---|---|---|---|');
for (const young of values.young.split(',')) {
  if (young !== 'service' && young !== 'v8') throw new Error(`--young takes service and/or v8, not ${young}`);
  for (const live of list(values.live)) {
    for (const percent of list(values.percents)) {
      const runs: Run[] = [];
      for (let i = 0; i < Number(values.runs); i++) runs.push(await once(h2, live, percent, young));
      const m = (f: (r: Run) => number) => median(runs.map(f));
      console.log(
        `| ${young === 'service' ? SERVICE_NODE_FLAGS.join(' ') : "V8's own"} | ${live.toLocaleString('en')} | ${percent || "V8's own"} | ${m((r) => r.maxPause).toFixed(1)} ms (${runs.map((r) => r.maxPause.toFixed(0)).join(', ')}) | ${m((r) => r.fullGcs)} | ${Math.round(m((r) => r.perSec))} | ${m((r) => r.p99).toFixed(2)} ms | ${m((r) => r.maxCall).toFixed(1)} ms |`,
      );
    }
  }
}

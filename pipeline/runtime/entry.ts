// Starting code in another thread or process, whether this program runs as compiled JavaScript
// (`npm run build` -> dist/, what production runs with plain node) or as TypeScript under tsx or
// vitest (development and tests). Compiled, an entry is its own .js file; under TypeScript, a new
// thread or process does not inherit the tsx loader, so it starts boot.mjs, which registers tsx
// and then imports the .ts entry.
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** True when this module was loaded from compiled JavaScript. */
export const COMPILED = import.meta.url.endsWith('.js');

/** `./x.ts` resolved next to the caller, as the file that actually runs (`x.js` when compiled). */
export function entryUrl(relativeTs: string, base: string): URL {
  const url = new URL(relativeTs, base);
  if (COMPILED) url.pathname = url.pathname.replace(/\.ts$/, '.js');
  return url;
}

// dist/ has no boot.mjs (tsc copies no .mjs files): only TypeScript runs use it
const BOOT = new URL('./boot.mjs', import.meta.url);

/** A worker thread running `entry` (a URL from entryUrl); `workerData` reaches it unchanged. */
export function startThread(entry: URL, workerData: unknown, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  if (COMPILED) return new Worker(entry, { ...options, workerData });
  return new Worker(BOOT, { ...options, workerData, argv: [entry.href] });
}

/** A child process running `entry` (node's fork); under TypeScript through the boot. */
export function forkEntry(entry: URL, options: ForkOptions = {}): ChildProcess {
  if (COMPILED) return fork(fileURLToPath(entry), [], options);
  return fork(fileURLToPath(BOOT), [entry.href], options);
}

/** The node flags a child needs to import TypeScript: the tsx loader, unless already present. */
export function typeScriptExecArgv(execArgv: string[] = process.execArgv): string[] {
  if (COMPILED) return [...execArgv];
  const hasTsx = execArgv.some((a) => /[\\/]tsx[\\/]|^tsx$/.test(a));
  return hasTsx ? [...execArgv] : [...execArgv, '--import', import.meta.resolve('tsx')];
}

// How BullMQ starts a sandboxed processor: by default it forks (child_process.fork) its own
// dist/cjs/classes/main.js with the parent's execArgv, and the child `import()`s our processor file.
// Our processor is TypeScript, so the child needs the tsx loader. Under `tsx workers/main.ts` the
// parent's execArgv already holds it (--require .../tsx/preflight.cjs --import .../tsx/loader.mjs)
// and the child inherits it; when started any other way we add `--import <tsx loader>` ourselves.
import type { ForkOptions } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SANDBOXED_PROCESSOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'processors', 'sandboxed.ts');

export function sandboxForkOptions(execArgv: string[] = process.execArgv): ForkOptions {
  const hasTsx = execArgv.some((a) => /[\\/]tsx[\\/]|^tsx$/.test(a));
  return { execArgv: hasTsx ? [...execArgv] : [...execArgv, '--import', import.meta.resolve('tsx')] };
}

// How BullMQ starts a sandboxed processor: by default it forks (child_process.fork) its own
// dist/cjs/classes/main.js with the parent's execArgv, and the child `import()`s our processor file.
// Compiled (dist/), that file is JavaScript and plain node runs it. Under TypeScript the child needs
// the tsx loader: under `tsx workers/main.ts` the parent's execArgv already holds it and the child
// inherits it; when started any other way (vitest) typeScriptExecArgv adds `--import <tsx loader>`.
import type { ForkOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { entryUrl, typeScriptExecArgv } from '../pipeline/runtime/entry.js';

export const SANDBOXED_PROCESSOR = fileURLToPath(entryUrl('./processors/sandboxed.ts', import.meta.url));

export function sandboxForkOptions(execArgv: string[] = process.execArgv): ForkOptions {
  return { execArgv: typeScriptExecArgv(execArgv) };
}

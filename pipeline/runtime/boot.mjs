// Entry of a worker thread or child process started from TypeScript (see entry.ts): registers the
// tsx loader for this thread or process, then imports the TypeScript entry given as argv[2].
// Plain JS, so node starts it whatever the parent runs under (tsx, vitest).
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);

// Child-process entry for tasks that must not share a process with other threads' native state
// (see thread.ts: onnxruntime-node 1.14 is not safe across worker threads). Plain JS, like
// worker.mjs, so node starts it whatever the parent runs under; the task arrives as the first message.
import { tsImport } from 'tsx/esm/api';

await tsImport('./child-main.ts', import.meta.url);

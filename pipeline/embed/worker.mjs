// Worker-thread entry. Plain JS so that node can start it whatever the parent runs under (tsx, vitest):
// it registers tsx for this thread, then loads the TypeScript task runner.
import { tsImport } from 'tsx/esm/api';

await tsImport('./worker-main.ts', import.meta.url);

// `npm run service`: serve the published catalog over gRPC (waits NOT_SERVING if nothing is published).
import { parseServiceArgs, runMain, serve } from './run.js';

await runMain(() => serve(parseServiceArgs()));

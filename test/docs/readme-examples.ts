// `npm run docs:examples`: runs every `$ grpcurl` example of README.md against a real server on the
// real shared catalog (with buf curl, through reflection) and writes the real answers back.
// `--check` only reports the examples whose answers drifted (exit 1), as the test does.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../pipeline/config.js';
import { createLogger } from '../../pipeline/log.js';
import { startServer } from '../../service/server.js';
import { realArtifacts } from '../helpers/real-artifacts.js';
import { comparable, parseExamples, runExample, snapNumbers, type ExampleTargets } from '../helpers/readme-examples.js';
import { isDeepStrictEqual } from 'node:util';

const README = path.join(PROJECT_ROOT, 'README.md');
const check = process.argv.includes('--check');

const artifactsDir = await realArtifacts();
const server = await startServer({
  config: loadConfig({ artifactsDir, logLevel: 'silent' }),
  addr: '127.0.0.1:0',
  http: { addr: '127.0.0.1:0' },
  log: createLogger('docs', 'silent'),
  watch: false,
});
const base = { grpc: `http://127.0.0.1:${server.port}`, http: `http://127.0.0.1:${server.http!.port}` };
const text = readFileSync(README, 'utf8');
const lines = text.split('\n');
const examples = parseExamples(text);
let drifted = 0;
// replace from the bottom so earlier line numbers stay valid
for (const ex of [...examples].reverse()) {
  const answer = await runExample(ex, base);
  const expected = comparable(ex.expected);
  if (!isDeepStrictEqual(snapNumbers(comparable(answer), expected), expected)) {
    drifted++;
    console.log(`README.md:${ex.line + 1}: ${ex.command}\n${answer}\n`);
  }
  lines.splice(ex.line + 1, ex.end - ex.line - 1, ...answer.split('\n'));
}
await server.close(1000);
if (check) {
  console.log(`${examples.length} examples, ${drifted} drifted`);
  process.exit(drifted ? 1 : 0);
}
writeFileSync(README, lines.join('\n'));
console.log(`${examples.length} examples run, ${drifted} answers rewritten in README.md`);
process.exit(0);

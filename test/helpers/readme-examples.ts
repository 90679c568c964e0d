// The README's grpcurl and curl examples, run for real. Each example is a line `$ grpcurl ...` or
// `$ curl ...` inside a fenced block, followed by its answer (up to the next `$ ` line or the end
// of the block). grpcurl commands are run with `buf curl` through reflection (grpcurl is not
// installable here; both print the same proto3 JSON for answers); curl commands (the HTTP/JSON
// listener, localhost:8080) with fetch. `npm run docs:examples` rewrites the answers from real runs;
// test/integration/readme-examples.test.ts fails when an answer no longer matches.
import { bufCurl, type BufResult } from './buf-curl.js';

export interface Example {
  /** 0-based line index of the `$ grpcurl` line in the README */
  line: number;
  /** index just past the answer's last line */
  end: number;
  command: string;
  expected: string;
}

/**
 * Keys whose values change from run to run: compared as present/absent only. (`value` is an error
 * detail's base64 ErrorInfo, which can hold a version name; the reflection test decodes one.)
 */
const VOLATILE = new Set(['value', 'version', 'loadedAt', 'createdAt', 'generatedAt', 'reportPath', 'runId', 'startedAt', 'finishedAt', 'durationMs', 'publishedVersion']);

export function parseExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  let inBlock = false;
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*```/.test(lines[i])) {
      inBlock = !inBlock;
      continue;
    }
    if (!inBlock || !/^\$ (grpcurl|curl) /.test(lines[i])) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith('$ ') && !/^\s*```/.test(lines[j])) j++;
    out.push({ line: i, end: j, command: lines[i].slice(2), expected: lines.slice(i + 1, j).join('\n') });
  }
  return out;
}

/** Splits a shell command line with single and double quotes (no expansions). */
function shellWords(cmd: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(cmd))) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]);
  return words;
}

/** grpcurl arguments -> buf curl arguments against `baseUrl` (http://127.0.0.1:PORT). */
export function toBufCurl(command: string, baseUrl: string, env: Record<string, string> = {}): string[] {
  const w = shellWords(command).map((x) => x.replace(/\$\{?(\w+)\}?/g, (_, v: string) => env[v] ?? ''));
  if (w[0] !== 'grpcurl') throw new Error(`not a grpcurl command: ${command}`);
  const args: string[] = [];
  const rest: string[] = [];
  for (let i = 1; i < w.length; i++) {
    const a = w[i];
    if (a === '-plaintext') continue;
    else if (a === '-d') args.push('-d', w[++i]);
    else if (a === '-H') args.push('-H', w[++i]);
    else if (a.startsWith('-')) throw new Error(`grpcurl flag ${a} is not supported by the README checker`);
    else rest.push(a);
  }
  const [, verb, target] = rest; // rest[0] is host:port
  if (verb === 'list') return target ? ['--list-methods', baseUrl] : ['--list-services', baseUrl];
  return [...args, `${baseUrl}/${verb}`];
}

/** The answer as the README shows it: JSON laid out compactly, or the list lines. */
export function renderResult(r: BufResult, listFilter?: string): string {
  if (r.exitCode !== 0) {
    let err: unknown;
    try {
      err = JSON.parse(r.stderr);
    } catch {
      return `ERROR: ${r.stderr.trim()}`;
    }
    return `ERROR (as buf curl prints it):\n${compactJson(err)}`;
  }
  const out = r.stdout.trim();
  if (!out.startsWith('{')) {
    const lines = out.split('\n');
    return (listFilter ? lines.filter((l) => l.startsWith(`${listFilter}/`)) : lines).join('\n');
  }
  // a server stream prints one JSON object per message
  return out
    .split(/\n(?=\{)/)
    .map((chunk) => compactJson(JSON.parse(chunk)))
    .join('\n');
}

export interface ExampleTargets {
  /** the gRPC listener, http://127.0.0.1:PORT */
  grpc: string;
  /** the HTTP/JSON listener, http://127.0.0.1:PORT (stands for localhost:8080 in the README) */
  http: string;
}

export async function runExample(ex: Example, targets: ExampleTargets, env: Record<string, string> = {}): Promise<string> {
  if (ex.command.startsWith('curl ')) return runCurl(ex.command, targets.http);
  const baseUrl = targets.grpc;
  const args = toBufCurl(ex.command, baseUrl, env);
  const words = shellWords(ex.command);
  const listTarget = words.includes('list') ? words[words.indexOf('list') + 1] : undefined;
  return renderResult(await bufCurl(args), args[0] === '--list-methods' ? listTarget : undefined);
}

/** Parses a rendered answer back into comparable form (volatile values masked). */
export function comparable(answer: string): unknown {
  const status = /^HTTP (\d+)\n/.exec(answer)?.[1];
  if (status) return { status, ...(comparable(answer.slice(answer.indexOf('\n') + 1)) as object) };
  const text = answer.replace(/^ERROR \(as buf curl prints it\):\n/, '');
  const chunks = text.trim().startsWith('{') ? text.split(/\n(?=\{)/).map((c) => mask(JSON.parse(c))) : text.trim().split('\n');
  return { error: answer.startsWith('ERROR'), chunks };
}

/**
 * `actual` with every number that is within 2e-6 of the number at the same place in `expected`
 * replaced by it: scores are rounded to 1e-6 after float arithmetic whose last bits depend on the
 * build of the HNSW library (AVX2 or baseline, see pipeline/index/native-build.mjs), so a README
 * answer may differ from a machine's in its last digit.
 */
export function snapNumbers(actual: unknown, expected: unknown): unknown {
  if (typeof actual === 'number' && typeof expected === 'number') return Math.abs(actual - expected) <= 2e-6 ? expected : actual;
  if (Array.isArray(actual) && Array.isArray(expected)) return actual.map((x, i) => snapNumbers(x, expected[i]));
  if (actual && expected && typeof actual === 'object' && typeof expected === 'object' && !Array.isArray(actual)) {
    const e = expected as Record<string, unknown>;
    return Object.fromEntries(Object.entries(actual).map(([k, x]) => [k, snapNumbers(x, e[k])]));
  }
  return actual;
}

function mask(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(mask);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, VOLATILE.has(k) ? '<varies>' : mask(x)]));
  }
  // version names (20261202T063017184Z-df7378a5) inside messages and suggestions
  return typeof v === 'string' ? v.replace(/\d{8}T\d{9}Z-[0-9a-f]{8}/g, '<version>') : v;
}

/** JSON with small objects and arrays on one line, the rest indented by two spaces. */
export function compactJson(v: unknown, indent = '', width = 120): string {
  const flat = oneLine(v);
  if (flat.length + indent.length <= width || v === null || typeof v !== 'object') return flat;
  const inner = indent + '  ';
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) {
    // scalars: as many per line as fit
    const rows: string[] = [];
    let row = '';
    for (const x of v.map((y) => JSON.stringify(y))) {
      if (row && inner.length + row.length + x.length + 2 > width) {
        rows.push(row);
        row = '';
      }
      row += row ? `, ${x}` : x;
    }
    if (row) rows.push(row);
    return `[\n${rows.map((r) => inner + r).join(',\n')}\n${indent}]`;
  }
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + compactJson(x, inner, width)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${compactJson(x, inner, width)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

function oneLine(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(oneLine).join(', ')}]`;
  if (v && typeof v === 'object') {
    const e = Object.entries(v);
    return e.length === 0 ? '{}' : `{ ${e.map(([k, x]) => `${JSON.stringify(k)}: ${oneLine(x)}`).join(', ')} }`;
  }
  return JSON.stringify(v);
}

/** A README curl line run with fetch: the status line when it is not 200, then the JSON body. */
async function runCurl(command: string, httpBase: string): Promise<string> {
  const w = shellWords(command);
  let method = 'GET';
  let body: string | undefined;
  const headers: Record<string, string> = {};
  let url = '';
  for (let i = 1; i < w.length; i++) {
    const a = w[i];
    if (a === '-s' || a === '-sS') continue;
    else if (a === '-X') method = w[++i];
    else if (a === '-H') {
      const [k, ...v] = w[++i].split(':');
      headers[k.trim().toLowerCase()] = v.join(':').trim();
    } else if (a === '-d' || a === '--data') {
      body = w[++i];
      if (method === 'GET') method = 'POST';
    } else if (a.startsWith('-')) throw new Error(`curl flag ${a} is not supported by the README checker`);
    else url = a;
  }
  const target = url.replace(/^(https?:\/\/)?localhost:8080/, httpBase);
  if (target === url) throw new Error(`README curl examples call localhost:8080: ${command}`);
  const res = await fetch(target, { method, headers, body });
  const text = await res.text();
  let out: string;
  try {
    out = compactJson(JSON.parse(text));
  } catch {
    out = text.trim();
  }
  return res.status === 200 ? out : `HTTP ${res.status}\n${out}`;
}

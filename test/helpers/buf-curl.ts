// `buf curl` (the Go binary shipped by the @bufbuild/buf npm package): an independent client that
// knows nothing but what the server's reflection tells it. Used to check the wire as users see it.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
export const BUF_BIN = path.join(path.dirname(require.resolve('@bufbuild/buf/package.json')), 'bin', 'buf');

export interface BufResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `buf curl ARGS...` (protocol grpc over h2c unless the args say otherwise). */
export function bufCurl(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; protocolArgs?: string[] } = {}): Promise<BufResult> {
  const protocolGiven = args.some((a) => a.startsWith('--protocol'));
  // h2c needs prior knowledge; over https ALPN picks HTTP/2
  const base = opts.protocolArgs ?? (protocolGiven ? [] : ['--protocol', 'grpc', '--http2-prior-knowledge']);
  return new Promise((resolve, reject) => {
    const child = spawn(BUF_BIN, ['curl', ...base, ...args], { env: { ...process.env, ...opts.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? -1, stdout, stderr });
    });
  });
}

/** A Connect/gRPC error as buf curl prints it (JSON on stderr). */
export interface BufError {
  code: string;
  message: string;
  details?: { type: string; value: string; debug?: unknown }[];
}

export function parseBufError(r: BufResult): BufError {
  if (r.exitCode === 0) throw new Error(`expected buf curl to fail, it answered: ${r.stdout}`);
  return JSON.parse(r.stderr) as BufError;
}

export function parseBufJson<T = any>(r: BufResult): T {
  if (r.exitCode !== 0) throw new Error(`buf curl failed (${r.exitCode}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

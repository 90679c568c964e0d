// h2load (nghttp2's native HTTP/2 and HTTP/1.1 load generator) driving a gRPC or HTTP/JSON server:
// the load generator the benchmarks use, so the figures are the server's, not a JavaScript client's.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** h2load on PATH, installing Debian's nghttp2-client when possible; null (with a hint) otherwise. */
export function ensureH2load(): string | null {
  const which = () => spawnSync('sh', ['-c', 'command -v h2load'], { encoding: 'utf8' }).stdout.trim();
  if (which()) return which();
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    console.log('h2load not found: installing nghttp2-client with apt-get ...');
    spawnSync('apt-get', ['install', '-y', '-q', 'nghttp2-client'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (which()) return which();
  }
  console.log('h2load is needed (apt-get install nghttp2-client, or brew install nghttp2); stopping.');
  return null;
}

/** A gRPC length-prefixed message: flag 0 (uncompressed), 4-byte big-endian length, the bytes. */
export function grpcFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

export interface LoadResult {
  calls: number;
  perSec: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
}

export interface H2loadOptions {
  /**
   * grpc (default): `concurrency` HTTP/2 streams on one connection, gRPC framing;
   * json: the HTTP/JSON listener as browsers and curl reach it, HTTP/1.1, `concurrency`
   * connections with one request in flight each.
   */
  mode?: 'grpc' | 'json';
  /** the HTTP status of a good answer (json mode: 404 for an expected NOT_FOUND); default 200 */
  okStatus?: string;
}

/**
 * One h2load run for `seconds` (after a 1 s warm-up), every request carrying `body`. Latencies come
 * from h2load's per-request log (microseconds).
 */
export async function h2load(bin: string, url: string, body: Buffer, seconds: number, concurrency: number, opts: H2loadOptions = {}): Promise<LoadResult> {
  const json = opts.mode === 'json';
  const okStatus = opts.okStatus ?? '200';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mq-h2load-'));
  try {
    const bodyFile = path.join(dir, 'body.bin');
    const logFile = path.join(dir, 'log.tsv');
    await writeFile(bodyFile, body);
    const shape = json
      ? ['--h1', '-c', String(concurrency), '-m', '1', '-H', 'content-type: application/json']
      : ['-c', '1', '-m', String(concurrency), '-H', 'content-type: application/grpc', '-H', 'te: trailers'];
    const args = [...shape, '-t', '1', '-D', String(seconds), '--warm-up-time=1', '-d', bodyFile, `--log-file=${logFile}`, url];
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(bin, args);
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.stderr.on('data', (d: Buffer) => (text += d.toString()));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`h2load exited ${code}: ${text}`))));
    });
    const rows = (await readFile(logFile, 'utf8')).trim().split('\n').map((l) => l.split('\t'));
    const ok = rows.filter((r) => r[1] === okStatus).map((r) => Number(r[2]) / 1000);
    ok.sort((x, y) => x - y);
    // streams still in flight when the duration ends are cut by h2load (status 0 in the log), not
    // by the server: count errors (resets, timeouts) and other non-200 answers
    const errored = Number(/(\d+) errored/.exec(out)?.[1] ?? 0) + Number(/(\d+) timeout/.exec(out)?.[1] ?? 0);
    const failed = errored + rows.filter((r) => r[1] !== okStatus && r[1] !== '0').length; // 0: cut at the end
    return { calls: ok.length, perSec: ok.length / seconds, p50: quantile(ok, 0.5), p99: quantile(ok, 0.99), max: ok[ok.length - 1] ?? NaN, failed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}


// A bad setting or a taken port ends start-up with ONE line that names the setting and the
// address, and a non-zero exit: what an operator reads in a container log.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../pipeline/config.js';

function runService(env: Record<string, string>, args: string[] = []): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'service', 'main.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, MARQUEE_ARTIFACTS_DIR: path.join(PROJECT_ROOT, 'data', 'no-such-artifacts'), ...env },
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stderr, stdout });
    });
  });
}

describe('service start-up errors', () => {
  it.each([
    ['0.0.0.0:99999', /MARQUEE_GRPC_ADDR="0\.0\.0\.0:99999": port 99999 is out of range/],
    ['localhost', /MARQUEE_GRPC_ADDR="localhost" must be host:port/],
  ])('MARQUEE_GRPC_ADDR=%s: one line naming the variable, exit 2', async (addr, re) => {
    const r = await runService({ MARQUEE_GRPC_ADDR: addr });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(re);
  });

  it('an address already in use: one line naming the variable and the address, exit 2', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const r = await runService({ MARQUEE_GRPC_ADDR: `127.0.0.1:${port}` });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`MARQUEE_GRPC_ADDR="127.0.0.1:${port}": cannot listen: the address is already in use`);
    } finally {
      taken.close();
    }
  });

  it.each([
    [{ MARQUEE_TLS_CERT: '/nonexistent/server.crt' }, /MARQUEE_TLS_CERT and MARQUEE_TLS_KEY go together; MARQUEE_TLS_KEY is missing/],
    [{ MARQUEE_TLS_CERT: '/nonexistent/server.crt', MARQUEE_TLS_KEY: '/nonexistent/server.key' }, /MARQUEE_TLS_CERT="\/nonexistent\/server.crt": cannot read it \(ENOENT\)/],
    [{ MARQUEE_ADMIN_TOKEN: 'short' }, /MARQUEE_ADMIN_TOKEN is too short/],
  ])('security settings %j: one line naming the variable, exit 2', async (env, re) => {
    const r = await runService(env as Record<string, string>);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(re);
  });

  it('a bad MARQUEE_GC_HEAP_GROWING_PERCENT is named too', async () => {
    const r = await runService({ MARQUEE_GC_HEAP_GROWING_PERCENT: '1000' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/MARQUEE_GC_HEAP_GROWING_PERCENT="1000" must be a whole number from 0/);
  });

  it('a bad LOG_LEVEL is named too', async () => {
    const r = await runService({ LOG_LEVEL: 'loud' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/LOG_LEVEL="loud" must be one of/);
  });
});

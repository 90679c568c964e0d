import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, PROJECT_ROOT, loadConfig } from '../../pipeline/config.js';

describe('config', () => {
  it('has defaults and resolves relative paths against the project root', () => {
    const c = loadConfig({}, { MARQUEE_DATA_DIR: 'data/raw' });
    expect(c.dataDir).toBe(path.join(PROJECT_ROOT, 'data', 'raw'));
    expect(c.artifactsDir).toBe(path.join(PROJECT_ROOT, 'data', 'artifacts'));
    expect(c.grpcAddr).toBe('0.0.0.0:50051');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.embedder).toBe('auto');
    expect(c.allowRemoteModels).toBe(false);
    expect(c.keepVersions).toBe(3);
  });

  it('lets overrides (flags) win over the environment', () => {
    const c = loadConfig({ grpcAddr: '127.0.0.1:1' }, { MARQUEE_GRPC_ADDR: '127.0.0.1:2' });
    expect(c.grpcAddr).toBe('127.0.0.1:1');
  });

  it.each([
    ['MARQUEE_EMBEDDER', 'bert'],
    ['MARQUEE_GRPC_ADDR', 'nonsense'],
    ['REDIS_URL', 'http://x'],
    ['MARQUEE_ALLOW_REMOTE_MODELS', 'maybe'],
    ['MARQUEE_KEEP_VERSIONS', '0'],
    ['LOG_LEVEL', 'loud'],
  ])('rejects a bad %s with a message naming it', (name, value) => {
    expect(() => loadConfig({}, { [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({}, { [name]: value })).toThrow(new RegExp(name));
  });
});

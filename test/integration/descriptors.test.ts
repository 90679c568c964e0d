// proto/descriptors.binpb (what reflection serves and the server decodes with) and the page's
// generated client code (web/src/gen) must be what buf compiles from proto/ today: editing a .proto
// without `npm run proto:compile` fails here.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DESCRIPTOR_SET_FILE } from '../../service/protocol/descriptors.js';
import { compileDescriptorSet, generateWebClient, WEB_GEN_DIR } from '../../service/protocol/compile.js';

function files(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p, base) : [path.relative(base, p)];
  });
}

describe('compiled contract', () => {
  it('proto/descriptors.binpb is up to date with proto/ (run npm run proto:compile after editing a .proto)', () => {
    const fresh = compileDescriptorSet();
    const committed = readFileSync(DESCRIPTOR_SET_FILE);
    expect(Buffer.compare(fresh, committed), 'proto/descriptors.binpb is stale: run npm run proto:compile').toBe(0);
  });

  it('web/src/gen is up to date with proto/ (run npm run proto:compile)', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'mq-gen-'));
    try {
      generateWebClient(out);
      expect(files(WEB_GEN_DIR).sort()).toEqual(files(out).sort());
      for (const f of files(out)) {
        expect(readFileSync(path.join(WEB_GEN_DIR, f), 'utf8'), `web/src/gen/${f} is stale: run npm run proto:compile`).toBe(readFileSync(path.join(out, f), 'utf8'));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

// proto/descriptors.binpb (what reflection serves and the server decodes with) must be what buf
// compiles from proto/ today: editing a .proto without `npm run proto:compile` fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DESCRIPTOR_SET_FILE } from '../../service/protocol/descriptors';
import { compileDescriptorSet } from '../../service/protocol/compile';

describe('compiled descriptor set', () => {
  it('is up to date with proto/ (run npm run proto:compile after editing a .proto)', () => {
    const fresh = compileDescriptorSet();
    const committed = readFileSync(DESCRIPTOR_SET_FILE);
    expect(Buffer.compare(fresh, committed), 'proto/descriptors.binpb is stale: run npm run proto:compile').toBe(0);
  });
});

// `npm run proto:compile`: compiles proto/ (with the standard protos the service serves) into
// proto/descriptors.binpb, a google.protobuf.FileDescriptorSet with source info (the comments).
// The service reads that file for reflection and strict request decoding; it is committed so that
// running the service needs no protobuf compiler, and test/integration/descriptors.test.ts fails
// when proto/ changes without re-running this.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../pipeline/config';
import { DESCRIPTOR_SET_FILE } from './descriptors';

const require = createRequire(import.meta.url);
const pkgDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));


/** Standard protos the service uses, at their canonical import paths. */
function standardProtos(): [from: string, to: string][] {
  const health = path.join(pkgDir('grpc-health-check'), 'proto', 'health', 'v1', 'health.proto');
  const reflection = path.join(pkgDir('@grpc/reflection'), 'build', 'proto', 'grpc', 'reflection');
  const googleRpc = path.join(pkgDir('google-proto-files'), 'google', 'rpc');
  return [
    [health, 'grpc/health/v1/health.proto'],
    [path.join(reflection, 'v1', 'reflection.proto'), 'grpc/reflection/v1/reflection.proto'],
    [path.join(reflection, 'v1alpha', 'reflection.proto'), 'grpc/reflection/v1alpha/reflection.proto'],
    [path.join(googleRpc, 'status.proto'), 'google/rpc/status.proto'],
    [path.join(googleRpc, 'error_details.proto'), 'google/rpc/error_details.proto'],
  ];
}

/** Runs `buf build` over a temporary module root holding proto/marquee and the standard protos. */
export function compileDescriptorSet(): Buffer {
  const root = mkdtempSync(path.join(os.tmpdir(), 'marquee-proto-'));
  try {
    cpSync(path.join(PROJECT_ROOT, 'proto', 'marquee'), path.join(root, 'marquee'), { recursive: true });
    for (const [from, to] of standardProtos()) {
      mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
      copyFileSync(from, path.join(root, to));
    }
    const out = path.join(root, 'out.binpb');
    const buf = path.join(pkgDir('@bufbuild/buf'), 'bin', 'buf');
    execFileSync(buf, ['build', root, '--as-file-descriptor-set', '-o', out], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    return readFileSync(out);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const bytes = compileDescriptorSet();
  writeFileSync(DESCRIPTOR_SET_FILE, bytes);
  console.log(`wrote ${path.relative(process.cwd(), DESCRIPTOR_SET_FILE)} (${bytes.length} bytes)`);
}

// `npm run proto:compile`: compiles proto/ (with the standard protos the service serves) into
// proto/descriptors.binpb, a google.protobuf.FileDescriptorSet with source info (the comments),
// and generates the web page's typed client code (web/src/gen/, protoc-gen-es).
// The service reads the descriptor set for reflection, strict request decoding and the HTTP
// routes; both outputs are committed so that running needs no protobuf compiler, and
// test/integration/descriptors.test.ts fails when proto/ changes without re-running this.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { DESCRIPTOR_SET_FILE } from './descriptors.js';

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

/** Where the page's generated client code goes (committed). */
export const WEB_GEN_DIR = path.join(PROJECT_ROOT, 'web', 'src', 'gen');

const BUF = () => path.join(pkgDir('@bufbuild/buf'), 'bin', 'buf');

/** A temporary buf module root holding proto/marquee and the standard protos; removed after `fn`. */
function withModuleRoot<T>(fn: (root: string) => T): T {
  const root = mkdtempSync(path.join(os.tmpdir(), 'marquee-proto-'));
  try {
    cpSync(path.join(PROJECT_ROOT, 'proto', 'marquee'), path.join(root, 'marquee'), { recursive: true });
    for (const [from, to] of standardProtos()) {
      mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
      copyFileSync(from, path.join(root, to));
    }
    return fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Runs `buf build`: the FileDescriptorSet of everything the service serves. */
export function compileDescriptorSet(): Buffer {
  return withModuleRoot((root) => {
    const out = path.join(root, 'out.binpb');
    execFileSync(BUF(), ['build', root, '--as-file-descriptor-set', '-o', out], { stdio: ['ignore', 'inherit', 'inherit'] });
    return readFileSync(out);
  });
}

/** Runs `buf generate` with protoc-gen-es for proto/marquee (and what it imports) into outDir. */
export function generateWebClient(outDir: string): void {
  withModuleRoot((root) => {
    const template = {
      version: 'v2',
      plugins: [{ local: path.join(pkgDir('@bufbuild/protoc-gen-es'), 'bin', 'protoc-gen-es'), out: outDir, opt: ['target=ts', 'import_extension=js'] }],
    };
    rmSync(outDir, { recursive: true, force: true });
    execFileSync(BUF(), ['generate', root, '--path', path.join(root, 'marquee'), '--include-imports', '--template', JSON.stringify(template)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const bytes = compileDescriptorSet();
  writeFileSync(DESCRIPTOR_SET_FILE, bytes);
  console.log(`wrote ${path.relative(process.cwd(), DESCRIPTOR_SET_FILE)} (${bytes.length} bytes)`);
  generateWebClient(WEB_GEN_DIR);
  console.log(`wrote ${path.relative(process.cwd(), WEB_GEN_DIR)}/ (protoc-gen-es)`);
}

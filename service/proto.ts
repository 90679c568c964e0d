import { createRequire } from 'node:module';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { PROJECT_ROOT } from '../pipeline/config';

export const PROTO_DIR = path.join(PROJECT_ROOT, 'proto');

/**
 * proto-loader options used for every Marquee proto, server and clients alike:
 * - keepCase: false -> fields are lowerCamelCase in JS (`releaseYear`, `voteCount`), the same
 *   names as the Movie record and as the proto3 JSON that grpcurl prints;
 * - defaults: true -> a handler always sees every request field ('' / 0 / false when unset);
 * - longs: Number, enums: String, oneofs: true.
 * Handler keys in an implementation are the RPC names as written in the proto (`TitleVotes`).
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

const require = createRequire(import.meta.url);
const HEALTH_PROTO_DIR = path.resolve(path.dirname(healthProtoPath), '..', '..');
const REFLECTION_PROTO_DIR = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');

/** Protos of the standard services, so reflection describes them too (grpcurl list shows them). */
export const STANDARD_PROTOS = {
  files: ['health/v1/health.proto', 'grpc/reflection/v1/reflection.proto', 'grpc/reflection/v1alpha/reflection.proto'],
  includeDirs: [HEALTH_PROTO_DIR, REFLECTION_PROTO_DIR],
};

/** Loads proto files (paths relative to proto/) with the shared options. */
export function loadProtos(files: string[], extraIncludeDirs: string[] = []): protoLoader.PackageDefinition {
  return protoLoader.loadSync(files, { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR, ...extraIncludeDirs] });
}

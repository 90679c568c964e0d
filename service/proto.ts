import { createRequire } from 'node:module';
import * as protoLoader from '@grpc/proto-loader';
import type * as protobufTypes from 'protobufjs';
import { descriptors } from './protocol/descriptors';

// protobufjs is the runtime under grpc-js/proto-loader; both entry points are CommonJS.
const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof protobufTypes;
const descriptorExt = require('protobufjs/ext/descriptor') as typeof import('protobufjs/ext/descriptor');

/**
 * proto-loader options used for every Marquee proto, server and clients alike:
 * - fields are lowerCamelCase in JS (`releaseYear`, `voteCount`), the same names as the Movie
 *   record and as the proto3 JSON that grpcurl prints (see camelCaseFields below);
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
};

let cached: protoLoader.PackageDefinition | null = null;

/**
 * Every service and message of the compiled contract (proto/descriptors.binpb, built from proto/ by
 * `npm run proto:compile`), so server, clients and reflection read one artifact and no .proto file
 * or import path is needed at run time. `files` is kept for callers that name the protos they use;
 * the whole set is always loaded.
 */
export function loadProtos(_files: string[] = []): protoLoader.PackageDefinition {
  if (cached) return cached;
  const set = descriptorExt.FileDescriptorSet.decode(descriptors().setBytes);
  // ext/descriptor adds Root.fromDescriptor at run time; its typings do not declare it on Root
  const root = (protobuf.Root as unknown as { fromDescriptor(s: unknown): protobufTypes.Root }).fromDescriptor(set);
  const json = root.toJSON() as JsonNamespace;
  camelCaseFields(json);
  cached = protoLoader.fromJSON(json as protobufTypes.INamespace, LOADER_OPTIONS);
  return cached;
}

interface JsonNamespace {
  nested?: Record<string, JsonNamespace>;
  fields?: Record<string, unknown>;
  oneofs?: Record<string, { oneof: string[] }>;
}

/**
 * proto-loader applies `keepCase: false` only when it parses .proto text; from descriptors the
 * field names stay snake_case. Renaming with protobufjs' own camelCase keeps the JS names
 * exactly what they were when the server parsed proto/ directly.
 */
function camelCaseFields(ns: JsonNamespace): void {
  const cc = protobuf.util.camelCase;
  if (ns.fields) ns.fields = Object.fromEntries(Object.entries(ns.fields).map(([k, v]) => [cc(k), v]));
  for (const o of Object.values(ns.oneofs ?? {})) o.oneof = o.oneof.map(cc);
  for (const child of Object.values(ns.nested ?? {})) camelCaseFields(child);
}

import { createRequire } from 'node:module';
import * as protoLoader from '@grpc/proto-loader';
import type * as protobufTypes from 'protobufjs';
import { descriptors } from './protocol/descriptors.js';

// protobufjs is the runtime under grpc-js/proto-loader; both entry points are CommonJS.
const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof protobufTypes;
const descriptorExt = require('protobufjs/ext/descriptor') as typeof import('protobufjs/ext/descriptor/index.js');

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
  cached ??= protoLoader.fromJSON(contractJson() as protobufTypes.INamespace, LOADER_OPTIONS);
  return cached;
}

/** The compiled contract as protobufjs JSON, with the field names the handlers use. */
export function contractJson(): JsonNamespace {
  const set = descriptorExt.FileDescriptorSet.decode(descriptors().setBytes);
  // ext/descriptor adds Root.fromDescriptor at run time; its typings do not declare it on Root
  const root = (protobuf.Root as unknown as { fromDescriptor(s: unknown): protobufTypes.Root }).fromDescriptor(set);
  const json = root.toJSON() as JsonNamespace;
  restoreMaps(json);
  camelCaseFields(json);
  return json;
}

interface JsonField {
  rule?: string;
  type: string;
  keyType?: string;
  id: number;
}

export interface JsonNamespace {
  nested?: Record<string, JsonNamespace>;
  fields?: Record<string, JsonField>;
  oneofs?: Record<string, { oneof: string[] }>;
  options?: Record<string, unknown>;
}

/**
 * protobufjs' Root.fromDescriptor keeps a map field as `repeated XEntry` and spreads the entry's
 * `map_entry` option onto the enclosing message (the bug behind "map_entry should not be set
 * explicitly"). Undo both, so the codec is the one protobufjs builds from the .proto text
 * (test/unit/proto-runtime.test.ts checks they are identical).
 */
function restoreMaps(ns: JsonNamespace): void {
  const nested = ns.nested ?? {};
  for (const [fieldName, f] of Object.entries(ns.fields ?? {})) {
    const entryName = f.type.split('.').pop()!;
    const entry = nested[entryName];
    if (f.rule !== 'repeated' || !entry?.options?.map_entry || !f.type.endsWith(`.${entryName}`)) continue;
    const key = entry.fields?.key;
    const value = entry.fields?.value;
    if (!key || !value) continue;
    ns.fields![fieldName] = { keyType: key.type, type: value.type, id: f.id };
    delete nested[entryName];
  }
  if (ns.options) {
    delete ns.options.map_entry;
    if (Object.keys(ns.options).length === 0) delete ns.options;
  }
  for (const child of Object.values(nested)) restoreMaps(child);
  if (ns.nested && Object.keys(ns.nested).length === 0) delete ns.nested;
}

/**
 * proto-loader applies `keepCase: false` only when it parses .proto text; from descriptors the
 * field names stay snake_case. Renaming with protobufjs' own camelCase keeps the JS names
 * exactly what they were when the server parsed proto/ directly.
 */
function camelCaseFields(ns: JsonNamespace): void {
  const cc = protobuf.util.camelCase;
  if (ns.fields) ns.fields = Object.fromEntries(Object.entries(ns.fields).map(([k, v]) => [cc(k), v]));
  if (ns.oneofs) {
    // proto3 `optional` makes a synthetic oneof named after its field (`_pearson_log10`)
    ns.oneofs = Object.fromEntries(Object.entries(ns.oneofs).map(([k, o]) => [k.startsWith('_') ? cc(k) : k, { ...o, oneof: o.oneof.map(cc) }]));
  }
  for (const child of Object.values(ns.nested ?? {})) camelCaseFields(child);
}

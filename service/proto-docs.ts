import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import type * as protobufTypes from 'protobufjs';

// protobufjs is the parser under @grpc/proto-loader and @grpc/reflection (installed with them).
// Both entry points are CommonJS (ext/descriptor is a directory import): load them with require.
const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof protobufTypes;
const descriptor = require('protobufjs/ext/descriptor') as typeof import('protobufjs/ext/descriptor');

/**
 * The package definition that reflection serves: the same protos, but
 * - with field names as written (keepCase: true), so `grpcurl describe` shows `release_year`, and
 * - with the proto comments attached as SourceCodeInfo, so `grpcurl describe` shows the docs.
 *   (proto-loader's descriptors carry no comments: protobufjs drops source info.)
 * Comments are read with protobufjs' parser (alternateCommentMode: `//` comments count) and
 * written as leading comments at the descriptor paths of messages, fields, enums, services, methods.
 */
export function loadReflectionDefinition(files: string[], includeDirs: string[]): protoLoader.PackageDefinition {
  const pkg = protoLoader.loadSync(files, { keepCase: true, includeDirs });
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const p = path.join(dir, target);
      if (existsSync(p)) return p;
    }
    return target;
  };
  root.loadSync(files, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();

  const seen = new Set<Buffer[]>();
  for (const def of Object.values(pkg)) {
    const list = (def as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos;
    if (!Array.isArray(list) || seen.has(list)) continue;
    seen.add(list);
    for (let i = 0; i < list.length; i++) list[i] = withComments(list[i], root);
  }
  return pkg;
}

interface Location {
  path: number[];
  span: number[];
  leadingComments: string;
}

// Field numbers in google/protobuf/descriptor.proto that make up a location path.
const FILE_MESSAGE = 4;
const FILE_ENUM = 5;
const FILE_SERVICE = 6;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED = 3;
const MESSAGE_ENUM = 4;
const ENUM_VALUE = 2;
const SERVICE_METHOD = 2;

function withComments(bytes: Buffer, root: protobufTypes.Root): Buffer {
  const file = descriptor.FileDescriptorProto.decode(bytes) as unknown as FileDesc;
  const locations: Location[] = [];
  let line = 0; // fake, increasing spans keep declaration order for printers that sort by span
  const add = (p: number[], comment: string | null | undefined) => {
    if (!comment) return;
    const text = comment
      .split('\n')
      .map((l) => (l.length > 0 ? ` ${l}` : l))
      .join('\n');
    locations.push({ path: p, span: [line++, 0, 0], leadingComments: `${text}\n` });
  };
  const scope = file.package ? `${file.package}.` : '';
  const lookup = <T>(name: string) => {
    try {
      return root.lookup(name) as T | null;
    } catch {
      return null;
    }
  };

  const visitEnum = (e: EnumDesc, fqn: string, p: number[]) => {
    const en = lookup<protobufTypes.Enum>(fqn);
    add(p, en?.comment);
    (e.value ?? []).forEach((v, i) => add([...p, ENUM_VALUE, i], en?.comments?.[v.name]));
  };
  const visitMessage = (m: MessageDesc, fqn: string, p: number[]) => {
    const type = lookup<protobufTypes.Type>(fqn);
    add(p, type?.comment);
    (m.field ?? []).forEach((f, i) => add([...p, MESSAGE_FIELD, i], type?.fields[f.name]?.comment));
    (m.nestedType ?? []).forEach((n, i) => visitMessage(n, `${fqn}.${n.name}`, [...p, MESSAGE_NESTED, i]));
    (m.enumType ?? []).forEach((e, i) => visitEnum(e, `${fqn}.${e.name}`, [...p, MESSAGE_ENUM, i]));
  };
  (file.messageType ?? []).forEach((m, i) => visitMessage(m, scope + m.name, [FILE_MESSAGE, i]));
  (file.enumType ?? []).forEach((e, i) => visitEnum(e, scope + e.name, [FILE_ENUM, i]));
  (file.service ?? []).forEach((s, i) => {
    const svc = lookup<protobufTypes.Service>(scope + s.name);
    add([FILE_SERVICE, i], svc?.comment);
    (s.method ?? []).forEach((m, j) => add([FILE_SERVICE, i, SERVICE_METHOD, j], svc?.methods[m.name]?.comment));
  });
  if (locations.length === 0) return bytes;
  (file as FileDesc & { sourceCodeInfo?: unknown }).sourceCodeInfo = { location: locations };
  return Buffer.from(descriptor.FileDescriptorProto.encode(file as unknown as protobufTypes.Message).finish());
}

interface EnumDesc {
  name: string;
  value?: { name: string }[];
}
interface MessageDesc {
  name: string;
  field?: { name: string }[];
  nestedType?: MessageDesc[];
  enumType?: EnumDesc[];
}
interface FileDesc {
  name?: string;
  package?: string;
  messageType?: MessageDesc[];
  enumType?: EnumDesc[];
  service?: { name: string; method?: { name: string }[] }[];
}

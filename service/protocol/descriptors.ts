import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createFileRegistry, fromBinary, toBinary, type DescFile, type DescMessage, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { PROJECT_ROOT } from '../../pipeline/config.js';

/** Where `npm run proto:compile` writes the compiled FileDescriptorSet (committed). */
export const DESCRIPTOR_SET_FILE = path.join(PROJECT_ROOT, 'proto', 'descriptors.binpb');

/**
 * The wire contract as a real protobuf compiler (buf) wrote it: file names as in proto/
 * (`marquee/v1/catalog.proto`), imports, fully-qualified names, map entries as protoc writes them,
 * and source info (the comments). Reflection serves these bytes; strict request decoding reads the
 * message shapes from them. `createFileRegistry` checks the set is complete and consistent.
 */
export class Descriptors {
  readonly registry: FileRegistry;
  /** file name (with .proto) -> serialized FileDescriptorProto */
  private readonly fileBytes = new Map<string, Uint8Array>();
  /** fully-qualified symbol (message, field, enum, enum value, service, method, extension) -> file */
  private readonly symbols = new Map<string, DescFile>();

  constructor(readonly setBytes: Uint8Array) {
    const set = fromBinary(FileDescriptorSetSchema, setBytes);
    this.registry = createFileRegistry(set);
    for (const file of this.registry.files) {
      this.fileBytes.set(file.proto.name, toBinary(FileDescriptorProtoSchema, file.proto));
    }
    for (const t of this.registry) {
      const add = (name: string) => {
        if (!this.symbols.has(name)) this.symbols.set(name, t.file);
      };
      add(t.typeName);
      if (t.kind === 'message') {
        for (const f of t.fields) add(`${t.typeName}.${f.name}`);
        for (const o of t.oneofs) add(`${t.typeName}.${o.name}`);
      } else if (t.kind === 'enum') {
        // enum values are siblings of their enum (C++ scoping) and, loosely, children of it
        const scope = t.typeName.slice(0, t.typeName.length - t.name.length);
        for (const v of t.values) {
          add(`${scope}${v.name}`);
          add(`${t.typeName}.${v.name}`);
        }
      } else if (t.kind === 'service') {
        for (const m of t.methods) add(`${t.typeName}.${m.name}`);
      }
    }
  }

  /** The file that defines a symbol, or undefined. A leading dot is accepted. */
  fileOfSymbol(symbol: string): DescFile | undefined {
    return this.symbols.get(symbol.replace(/^\./, ''));
  }

  file(name: string): DescFile | undefined {
    return this.registry.getFile(name);
  }

  bytesOf(file: DescFile): Uint8Array {
    return this.fileBytes.get(file.proto.name)!;
  }

  /** `file` first, then its dependencies, transitively, each once. */
  withDependencies(file: DescFile): DescFile[] {
    const out: DescFile[] = [];
    const seen = new Set<string>();
    const visit = (f: DescFile) => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(f);
      for (const d of f.dependencies) visit(d);
    };
    visit(file);
    return out;
  }

  /** The request message of a method path `/pkg.Service/Method`, or undefined. */
  requestType(methodPath: string): DescMessage | undefined {
    const m = /^\/([^/]+)\/([^/]+)$/.exec(methodPath);
    if (!m) return undefined;
    return this.registry.getService(m[1])?.methods.find((x) => x.name === m[2])?.input;
  }
}

let cached: Descriptors | null = null;

/** The compiled contract, read once per process. */
export function descriptors(): Descriptors {
  cached ??= new Descriptors(readFileSync(DESCRIPTOR_SET_FILE));
  return cached;
}

// The codec the server and clients use is built from the compiled descriptor set; it must be exactly
// what protobufjs (grpc-js' proto-loader) builds from the .proto text with lowerCamelCase names.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as protobufTypes from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../pipeline/config.js';
import { contractJson, loadProtos } from '../../service/proto.js';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs') as typeof protobufTypes;

function fromSources(): unknown {
  const dirs = [path.join(PROJECT_ROOT, 'proto'), path.join(path.dirname(require.resolve('google-proto-files/package.json')))];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    for (const d of dirs) {
      const p = path.join(d, target);
      if (require('node:fs').existsSync(p)) return p;
    }
    return target;
  };
  const fs = require('node:fs') as typeof import('node:fs');
  const files = fs
    .readdirSync(path.join(PROJECT_ROOT, 'proto', 'marquee', 'v1'))
    .filter((f) => f.endsWith('.proto'))
    .map((f) => `marquee/v1/${f}`);
  root.loadSync(files, { keepCase: false });
  return shape(root);
}

/** Every marquee.v1 type, field, enum and method with type references resolved to full names. */
function shape(root: protobufTypes.Root): Record<string, unknown> {
  root.resolveAll();
  const out: Record<string, unknown> = {};
  const ns = root.lookup('marquee.v1') as protobufTypes.Namespace;
  const walk = (n: protobufTypes.ReflectionObject) => {
    if (n instanceof protobuf.Type) {
      out[n.fullName] = n.fieldsArray.map((f) => ({
        name: f.name,
        id: f.id,
        rule: f.repeated ? 'repeated' : '',
        map: f instanceof protobuf.MapField ? f.keyType : '',
        type: f.resolvedType ? f.resolvedType.fullName : f.type,
        oneof: f.partOf?.name ?? '',
      }));
    } else if (n instanceof protobuf.Enum) {
      out[n.fullName] = n.values;
    } else if (n instanceof protobuf.Service) {
      out[n.fullName] = n.methodsArray.map((m) => [m.name, m.resolvedRequestType?.fullName, m.resolvedResponseType?.fullName, !!m.requestStream, !!m.responseStream]);
    }
    if ('nestedArray' in n) for (const c of (n as protobufTypes.Namespace).nestedArray) walk(c);
  };
  walk(ns);
  return out;
}

describe('runtime codec from proto/descriptors.binpb', () => {
  it('equals protobufjs parsing proto/marquee (types, field numbers, maps, enums, services)', () => {
    const compiled = shape(protobuf.Root.fromJSON(contractJson() as protobufTypes.INamespace));
    expect(Object.keys(compiled).length).toBeGreaterThan(50);
    expect(compiled).toEqual(fromSources());
  });

  it('encodes a map<string, int64> field (PipelineAdmin Stage.counts)', () => {
    const ser = (loadProtos() as any)['marquee.v1.PipelineAdmin'].StartRebuild.responseSerialize;
    const bytes: Buffer = ser({ run: { runId: 'r', stages: [{ name: 'extract', counts: { rows: 5 } }] }, created: true });
    const back = (loadProtos() as any)['marquee.v1.PipelineAdmin'].StartRebuild.responseDeserialize(bytes);
    expect(back.run.stages[0].counts).toEqual({ rows: 5 });
  });
});

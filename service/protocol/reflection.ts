import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescFile, type DescMessage } from '@bufbuild/protobuf';
import { malformedError } from '../handlers.js';
import type { Descriptors } from './descriptors.js';
import { checkMessageBytes } from './strict-decode.js';

/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha) answered from the compiled descriptor
 * set, so grpcurl, buf curl and grpcio see exactly what buf/protoc wrote. Requests on one stream
 * are answered in order; a file's dependencies are sent with it the first time on that stream.
 */
export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

const NOT_FOUND = grpc.status.NOT_FOUND;
const UNIMPLEMENTED = grpc.status.UNIMPLEMENTED;
const INVALID_ARGUMENT = grpc.status.INVALID_ARGUMENT;

interface ReflectionRequest {
  host: string;
  messageRequest:
    | { case: 'fileByFilename' | 'fileContainingSymbol' | 'allExtensionNumbersOfType'; value: string }
    | { case: 'fileContainingExtension'; value: { containingType: string; extensionNumber: number } }
    | { case: 'listServices'; value: string }
    | { case: undefined; value?: undefined };
}

/** Adds both reflection services to `server`, listing `serviceNames` (the services it hosts). */
export function addReflection(server: grpc.Server, d: Descriptors, serviceNames: () => string[]): void {
  for (const name of REFLECTION_SERVICES) {
    const svc = d.registry.getService(name);
    if (!svc) throw new Error(`${name} is missing from the compiled descriptor set (run npm run proto:compile)`);
    const method = svc.methods[0];
    const reqType = method.input;
    const resType = method.output;
    const definition: grpc.ServiceDefinition = {
      [method.name]: {
        path: `/${name}/${method.name}`,
        requestStream: true,
        responseStream: true,
        requestSerialize: (m: unknown) => Buffer.from(toBinary(reqType, m as never)),
        requestDeserialize: (b: Buffer) => {
          const problem = checkMessageBytes(reqType, b);
          return problem ? { malformed: problem } : fromBinary(reqType, b);
        },
        responseSerialize: (m: unknown) => Buffer.from(toBinary(resType, m as never)),
        responseDeserialize: (b: Buffer) => fromBinary(resType, b),
      },
    };
    server.addService(definition, {
      [method.name]: (call: grpc.ServerDuplexStream<ReflectionRequest, unknown>) => {
        const sent = new Set<string>();
        call.on('data', (req: ReflectionRequest | { malformed: string }) => {
          if ('malformed' in req) call.emit('error', malformedError(req.malformed));
          else call.write(answer(d, resType, req, sent, serviceNames));
        });
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
    });
  }
}

function answer(d: Descriptors, resType: DescMessage, req: ReflectionRequest, sent: Set<string>, serviceNames: () => string[]) {
  const base = { validHost: req.host, originalRequest: req };
  const error = (code: number, message: string) =>
    create(resType, { ...base, messageResponse: { case: 'errorResponse', value: { errorCode: code, errorMessage: message } } } as never);
  const files = (file: DescFile | undefined, what: string) => {
    if (!file) return error(NOT_FOUND, `${what} not found`);
    const out: Uint8Array[] = [];
    for (const f of d.withDependencies(file)) {
      if (f !== file && sent.has(f.proto.name)) continue;
      sent.add(f.proto.name);
      out.push(d.bytesOf(f));
    }
    return create(resType, {
      ...base,
      messageResponse: { case: 'fileDescriptorResponse', value: { fileDescriptorProto: out } },
    } as never);
  };

  const r = req.messageRequest;
  switch (r.case) {
    case 'listServices':
      return create(resType, {
        ...base,
        messageResponse: { case: 'listServicesResponse', value: { service: serviceNames().map((name) => ({ name })) } },
      } as never);
    case 'fileByFilename':
      return files(d.file(r.value), `file "${r.value}"`);
    case 'fileContainingSymbol':
      return files(d.fileOfSymbol(r.value), `symbol "${r.value}"`);
    case 'fileContainingExtension': {
      const ext = [...d.registry].find(
        (t) => t.kind === 'extension' && t.extendee.typeName === r.value.containingType && t.number === r.value.extensionNumber,
      );
      return files(ext?.file, `extension ${r.value.extensionNumber} of "${r.value.containingType}"`);
    }
    case 'allExtensionNumbersOfType': {
      const type = d.registry.getMessage(r.value.replace(/^\./, ''));
      if (!type) return error(NOT_FOUND, `message type "${r.value}" not found`);
      const numbers = [...d.registry].flatMap((t) => (t.kind === 'extension' && t.extendee === type ? [t.number] : []));
      return create(resType, {
        ...base,
        messageResponse: { case: 'allExtensionNumbersResponse', value: { baseTypeName: type.typeName, extensionNumber: numbers } },
      } as never);
    }
    case undefined:
      return error(INVALID_ARGUMENT, 'the request names no reflection query');
    default:
      return error(UNIMPLEMENTED, 'unsupported reflection request');
  }
}

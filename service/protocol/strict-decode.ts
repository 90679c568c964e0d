import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';

/**
 * Checks request bytes against the declared message before the lenient decoder sees them.
 * protobufjs (under grpc-js/proto-loader) switches on field numbers only, so a string sent as a
 * varint or a length prefix running past the end is silently reinterpreted as some value. This
 * walks the wire format once and refuses: wrong wire type for a known field, truncated varints
 * and lengths, groups, invalid UTF-8 in strings, and nesting deeper than MAX_DEPTH. Unknown field
 * numbers are skipped (proto3 forward compatibility). Returns null when the bytes are acceptable,
 * else a message naming the field.
 */
export function checkMessageBytes(desc: DescMessage, bytes: Uint8Array): string | null {
  try {
    walk(desc, bytes, 0, bytes.length, 0, desc.typeName);
    return null;
  } catch (err) {
    if (err instanceof WireError) return err.message;
    throw err;
  }
}

class WireError extends Error {}

const MAX_DEPTH = 64;
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;
const WIRE_NAMES = ['a varint', 'a 64-bit fixed value', 'length-delimited bytes', 'a group start', 'a group end', 'a 32-bit fixed value'];
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function scalarWireType(t: ScalarType): number {
  switch (t) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return I64;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return I32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return LEN;
    default:
      return VARINT;
  }
}

function scalarName(t: ScalarType): string {
  return ScalarType[t].toLowerCase();
}

/** Reads a varint at `pos`; returns [value as a JS number (low 53 bits are enough here), next pos]. */
function readVarint(b: Uint8Array, pos: number, end: number, what: string): [number, number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new WireError(`${what}: the message ends inside a varint`);
    const byte = b[pos++];
    value += (byte & 0x7f) * mul;
    mul *= 128;
    if ((byte & 0x80) === 0) return [value, pos];
  }
  throw new WireError(`${what}: a varint is longer than 10 bytes`);
}

function skip(b: Uint8Array, pos: number, end: number, wire: number, what: string): number {
  switch (wire) {
    case VARINT:
      return readVarint(b, pos, end, what)[1];
    case I64:
      if (pos + 8 > end) throw new WireError(`${what}: the message ends inside a 64-bit value`);
      return pos + 8;
    case I32:
      if (pos + 4 > end) throw new WireError(`${what}: the message ends inside a 32-bit value`);
      return pos + 4;
    case LEN: {
      const [len, p] = readVarint(b, pos, end, what);
      if (p + len > end) throw new WireError(`${what}: a length prefix of ${len} bytes runs past the end of the message (${end - p} left)`);
      return p + len;
    }
    default:
      throw new WireError(`${what}: wire type ${wire} (groups or invalid) is not accepted`);
  }
}

function walk(desc: DescMessage, b: Uint8Array, start: number, end: number, depth: number, where: string): void {
  if (depth > MAX_DEPTH) throw new WireError(`${where}: messages nested deeper than ${MAX_DEPTH} levels`);
  let pos = start;
  while (pos < end) {
    const [tag, p] = readVarint(b, pos, end, where);
    pos = p;
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    if (no < 1 || no > 536_870_911) throw new WireError(`${where}: invalid field number ${no}`);
    const field = desc.fields.find((f) => f.number === no);
    if (!field) {
      pos = skip(b, pos, end, wire, `${where} (unknown field ${no})`);
      continue;
    }
    pos = checkField(field, b, pos, end, wire, depth, `${where}.${field.name}`);
  }
}

function expectWire(field: DescField, wire: number, expected: number, typeName: string, what: string): void {
  if (wire !== expected) {
    throw new WireError(
      `field ${field.number} (${what}) is declared ${typeName} but was sent as ${WIRE_NAMES[wire] ?? `wire type ${wire}`}`,
    );
  }
}

function checkScalar(t: ScalarType, b: Uint8Array, pos: number, end: number, what: string): number {
  const next = skip(b, pos, end, scalarWireType(t), what);
  if (t === ScalarType.STRING) {
    const [len, p] = readVarint(b, pos, end, what);
    try {
      utf8.decode(b.subarray(p, p + len));
    } catch {
      throw new WireError(`${what}: the string is not valid UTF-8`);
    }
  }
  return next;
}

function checkField(field: DescField, b: Uint8Array, pos: number, end: number, wire: number, depth: number, what: string): number {
  switch (field.fieldKind) {
    case 'scalar':
      expectWire(field, wire, scalarWireType(field.scalar), scalarName(field.scalar), what);
      return checkScalar(field.scalar, b, pos, end, what);
    case 'enum':
      expectWire(field, wire, VARINT, 'an enum', what);
      return readVarint(b, pos, end, what)[1];
    case 'message': {
      expectWire(field, wire, LEN, `a message (${field.message.typeName})`, what);
      const [len, p] = readVarint(b, pos, end, what);
      const next = skip(b, pos, end, LEN, what);
      walk(field.message, b, p, p + len, depth + 1, what);
      return next;
    }
    case 'list': {
      if (field.listKind === 'message') {
        expectWire(field, wire, LEN, `repeated ${field.message.typeName}`, what);
        const [len, p] = readVarint(b, pos, end, what);
        const next = skip(b, pos, end, LEN, what);
        walk(field.message, b, p, p + len, depth + 1, what);
        return next;
      }
      const scalar = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
      const elemWire = scalarWireType(scalar);
      if (wire === LEN && elemWire !== LEN) {
        // packed: a run of elements inside one length prefix
        const [len, p] = readVarint(b, pos, end, what);
        const next = skip(b, pos, end, LEN, what);
        let q = p;
        while (q < p + len) q = skip(b, q, p + len, elemWire, what);
        return next;
      }
      expectWire(field, wire, elemWire, `repeated ${scalarName(scalar)}`, what);
      return checkScalar(scalar, b, pos, end, what);
    }
    case 'map': {
      expectWire(field, wire, LEN, 'a map', what);
      const [len, p] = readVarint(b, pos, end, what);
      const next = skip(b, pos, end, LEN, what);
      let q = p;
      while (q < p + len) {
        const [tag, r] = readVarint(b, q, p + len, what);
        const no = Math.floor(tag / 8);
        const w = tag % 8;
        if (no === 1) {
          if (w !== scalarWireType(field.mapKey)) throw new WireError(`${what}: a map key was sent with the wrong wire type`);
          q = checkScalar(field.mapKey, b, r, p + len, `${what} key`);
        } else if (no === 2 && field.mapKind === 'message') {
          if (w !== LEN) throw new WireError(`${what}: a map value was sent with the wrong wire type`);
          const [vlen, s] = readVarint(b, r, p + len, what);
          q = skip(b, r, p + len, LEN, what);
          walk(field.message, b, s, s + vlen, depth + 1, `${what} value`);
        } else if (no === 2) {
          const scalar: ScalarType = field.mapKind === 'scalar' ? field.scalar : ScalarType.INT32;
          if (w !== scalarWireType(scalar)) throw new WireError(`${what}: a map value was sent with the wrong wire type`);
          q = checkScalar(scalar, b, r, p + len, `${what} value`);
        } else {
          q = skip(b, r, p + len, w, what);
        }
      }
      return next;
    }
  }
}

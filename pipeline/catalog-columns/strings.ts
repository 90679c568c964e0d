// Strings kept as UTF-8 bytes and offsets, decoded when asked for. At 10^6 movies the cast and crew
// dictionaries hold 3.6 million names: as JS strings they were hundreds of MB of heap objects that
// every full collection walks, for names a call shows a handful of.

import type { Hash } from 'node:crypto';
import { keyHash, normalizeKey, plainKeyHash, samePlainKey } from '../normalize.js';

/** A list of strings read by position (an array of them, or bytes decoded on demand). */
export interface Names {
  readonly length: number;
  get(i: number): string;
}

/** Names over a plain array. */
export function namesOf(values: readonly string[]): Names {
  return { length: values.length, get: (i) => values[i] };
}

/** Names `i` of `base` for each i in `positions`. */
export function namesAt(base: Names, positions: Int32Array): Names {
  return { length: positions.length, get: (i) => base.get(positions[i]) };
}

export class Utf8Strings implements Names {
  /** Up to this many strings are decoded once and kept (dates, languages, genres): they are read on most calls. */
  static readonly DECODE_UP_TO = 4096;
  readonly length: number;
  private readonly decoded: string[] | null;

  /** String i is bytes[offsets[i], offsets[i + 1]). */
  constructor(
    private readonly offsets: Int32Array,
    private readonly bytes: Buffer,
  ) {
    this.length = Math.max(0, offsets.length - 1);
    this.decoded = null;
    if (this.length <= Utf8Strings.DECODE_UP_TO) this.decoded = Array.from({ length: this.length }, (_, i) => this.decode(i));
  }

  static from(values: readonly string[]): Utf8Strings {
    const parts = values.map((v) => Buffer.from(v, 'utf8'));
    const offsets = new Int32Array(values.length + 1);
    parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
    return new Utf8Strings(offsets, Buffer.concat(parts));
  }

  get(i: number): string {
    return this.decoded ? this.decoded[i] : this.decode(i);
  }

  /** keyHash(normalizeKey(get(i))), from the bytes when they are plain ASCII (no string made); -1 when the key is empty. */
  keyHashAt(i: number): number {
    const h = plainKeyHash(this.bytes, this.offsets[i], this.offsets[i + 1]);
    if (h >= 0) return h;
    const key = normalizeKey(this.get(i));
    return key ? keyHash(key) : -1;
  }

  /** Whether string i of these and string j of `other` have the same normalizeKey. */
  sameKey(i: number, other: Utf8Strings, j: number): boolean {
    const af = this.offsets[i];
    const at = this.offsets[i + 1];
    const bf = other.offsets[j];
    const bt = other.offsets[j + 1];
    if (plainKeyHash(this.bytes, af, at) >= 0 && plainKeyHash(other.bytes, bf, bt) >= 0) return samePlainKey(this.bytes, af, at, other.bytes, bf, bt);
    return normalizeKey(this.get(i)) === normalizeKey(other.get(j));
  }

  /** Feeds the strings' bytes and bounds to a hash (a digest of the dictionary without decoding it). */
  hashInto(h: Hash): void {
    h.update(new Uint8Array(this.offsets.buffer, this.offsets.byteOffset, this.offsets.byteLength));
    h.update(this.bytes);
  }

  /** Every string, as a fresh array (for the small dictionaries). */
  toArray(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }

  private decode(i: number): string {
    return this.bytes.toString('utf8', this.offsets[i], this.offsets[i + 1]);
  }
}

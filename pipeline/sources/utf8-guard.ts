import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Stands in for each invalid UTF-8 sequence of the input: U+FDD0, a Unicode noncharacter
 * ("permanently reserved for internal use", never valid in interchanged text). A decoder would turn
 * bad bytes into U+FFFD, which real text also contains (the Amazon catalog has five), so the
 * rows could not be told apart afterwards; with this marker the ETL finds exactly the fields that
 * held bad bytes and quarantines their rows (reason invalid_utf8) instead of publishing them
 * silently changed.
 */
export const INVALID_UTF8_MARK = '\uFDD0';
const MARK_BYTES = Buffer.from(INVALID_UTF8_MARK, 'utf8');

/** Length of the UTF-8 sequence a lead byte starts (0: not a lead byte). */
function seqLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Whether bytes [i, i+n) form a well-formed sequence (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
function wellFormed(buf: Buffer, i: number, n: number): boolean {
  const b0 = buf[i];
  for (let k = 1; k < n; k++) if ((buf[i + k] & 0xc0) !== 0x80) return false;
  const b1 = buf[i + 1];
  if (n === 3) {
    if (b0 === 0xe0 && b1 < 0xa0) return false; // overlong
    if (b0 === 0xed && b1 > 0x9f) return false; // surrogates
  } else if (n === 4) {
    if (b0 === 0xf0 && b1 < 0x90) return false; // overlong
    if (b0 === 0xf4 && b1 > 0x8f) return false; // > U+10FFFF
  }
  return true;
}

/**
 * Passes bytes through unchanged when they are valid UTF-8 (checked natively per chunk) and
 * replaces each invalid sequence with the marker otherwise, counting them. A sequence split
 * between two chunks is carried over, not mistaken for an error.
 */
export class Utf8Guard extends Transform {
  invalidSequences = 0;
  private carry: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    // keep an incomplete last sequence for the next chunk
    let cut = buf.length;
    for (let back = 1; back <= 3 && back <= buf.length; back++) {
      const b = buf[buf.length - back];
      if ((b & 0xc0) === 0x80) continue; // continuation: look further back
      const n = seqLength(b);
      if (n > back) cut = buf.length - back;
      break;
    }
    this.carry = Buffer.from(buf.subarray(cut));
    const body = buf.subarray(0, cut);
    cb(null, isUtf8(body) ? body : this.repair(body));
  }

  override _flush(cb: TransformCallback): void {
    // a sequence cut off by the end of the input is invalid too
    cb(null, this.carry.length ? (isUtf8(this.carry) ? this.carry : this.repair(this.carry)) : null);
  }

  private repair(buf: Buffer): Buffer {
    const parts: Buffer[] = [];
    let start = 0;
    let i = 0;
    while (i < buf.length) {
      const n = seqLength(buf[i]);
      if (n === 1) {
        i++;
        continue;
      }
      if (n > 0 && i + n <= buf.length && wellFormed(buf, i, n)) {
        i += n;
        continue;
      }
      // an invalid lead byte, or a sequence broken off: mark it, skip its continuation bytes
      parts.push(buf.subarray(start, i), MARK_BYTES);
      this.invalidSequences++;
      i++;
      while (i < buf.length && (buf[i] & 0xc0) === 0x80) i++;
      start = i;
    }
    parts.push(buf.subarray(start));
    return Buffer.concat(parts);
  }
}

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { INVALID_UTF8_MARK, Utf8Guard } from '../../pipeline/sources/utf8-guard.js';

/** Feeds `bytes` through a guard in chunks of `size` bytes; returns the text and the count. */
async function guard(bytes: Buffer, size: number): Promise<{ text: string; invalid: number }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const g = new Utf8Guard();
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(g)) out.push(c as Buffer);
  return { text: Buffer.concat(out).toString('utf8'), invalid: g.invalidSequences };
}

describe('Utf8Guard', () => {
  const valid = Buffer.from('Amélie, 日本語, 🎬 and a real U+FFFD: \uFFFD.', 'utf8');

  it.each([1, 2, 3, 5, 7, 64])('passes valid text through unchanged, whatever the chunking (%i-byte chunks)', async (size) => {
    const r = await guard(valid, size);
    expect(r.text).toBe(valid.toString('utf8'));
    expect(r.invalid).toBe(0);
  });

  it.each([1, 3, 64])('marks each invalid sequence once and keeps the rest (%i-byte chunks)', async (size) => {
    const bad = Buffer.concat([
      Buffer.from('ok '),
      Buffer.from([0xff]), // never valid
      Buffer.from(' é '),
      Buffer.from([0xc3, 0x28]), // lead byte without its continuation
      Buffer.from(' '),
      Buffer.from([0xe0, 0x80, 0xaf]), // overlong
      Buffer.from(' '),
      Buffer.from([0xed, 0xa0, 0x80]), // a surrogate
      Buffer.from(' end'),
      Buffer.from([0xe6, 0x97]), // cut off by the end of input
    ]);
    const r = await guard(bad, size);
    expect(r.invalid).toBe(5);
    expect(r.text).toBe(`ok ${INVALID_UTF8_MARK} é ${INVALID_UTF8_MARK}( ${INVALID_UTF8_MARK} ${INVALID_UTF8_MARK} end${INVALID_UTF8_MARK}`);
    expect(r.text).not.toContain('\uFFFD');
  });
});

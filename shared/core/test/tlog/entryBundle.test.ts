import { describe, expect, it } from 'vitest';
import { decodeEntryBundle, encodeEntryBundle } from '../../src/tlog/index.js';

const code = (code: string) => expect.objectContaining({ code });
const entries = [
  new Uint8Array([1, 2, 3]),
  new Uint8Array(0),
  new Uint8Array(300).fill(7),
  new Uint8Array(65535).fill(9),
];

describe('entry bundles (c2sp.org/tlog-tiles "Log entries")', () => {
  it('encodes as uint16 BE length || entry and round-trips', () => {
    const bytes = encodeEntryBundle(entries);
    expect(Array.from(bytes.subarray(0, 5))).toEqual([0, 3, 1, 2, 3]);
    expect(Array.from(bytes.subarray(5, 9))).toEqual([0, 0, 0x01, 0x2c]);
    expect(bytes.length).toBe(2 * 4 + 3 + 300 + 65535);
    expect(decodeEntryBundle(bytes)).toEqual(entries);
    expect(decodeEntryBundle(bytes, 4)).toHaveLength(4);
  });

  it('round-trips a full bundle of 256 entries', () => {
    const full = Array.from({ length: 256 }, (_, i) => new TextEncoder().encode(`entry ${i}`));
    expect(decodeEntryBundle(encodeEntryBundle(full), 256)).toEqual(full);
    expect(() => encodeEntryBundle([...full, new Uint8Array(1)])).toThrow(RangeError);
  });

  it('rejects entries larger than 65535 bytes', () => {
    expect(() => encodeEntryBundle([new Uint8Array(65536)])).toThrow(code('MALFORMED_RECORD'));
  });

  it('rejects truncated, empty, oversized and miscounted bundles', () => {
    const bytes = encodeEntryBundle(entries.slice(0, 3));
    for (let cut = 1; cut < bytes.length; cut++) {
      if (cut === 5 || cut === 7) continue; // entry boundaries: a shorter, valid bundle
      expect(() => decodeEntryBundle(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(
        code('MALFORMED_TILE'),
      );
    }
    expect(decodeEntryBundle(bytes.subarray(0, 5))).toHaveLength(1);
    expect(() => decodeEntryBundle(bytes.subarray(0, 5), 3)).toThrow(code('MALFORMED_TILE'));
    expect(() => decodeEntryBundle(new Uint8Array(0))).toThrow(code('MALFORMED_TILE'));
    expect(() => decodeEntryBundle(new Uint8Array(257 * 2))).toThrow(code('MALFORMED_TILE'));
  });
});

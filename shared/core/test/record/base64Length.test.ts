import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strict, isCanonicalBase64Of } from '../../src/base64.js';

/** What the record parser used to do: decode strictly, then compare the length. */
const byDecoding = (s: string, bytes: number): boolean => decodeBase64Strict(s)?.length === bytes;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n.';

/** One random edit: a character replaced, dropped or added, or padding changed. */
function mutate(s: string, pick: () => number): string {
  const at = pick() % (s.length + 1);
  const c = ALPHABET[pick() % ALPHABET.length]!;
  switch (pick() % 4) {
    case 0:
      return s.slice(0, at) + c + s.slice(at + 1);
    case 1:
      return s.slice(0, at) + s.slice(at + 1);
    case 2:
      return s.slice(0, at) + c + s.slice(at);
    default:
      return s.replace(/=+$/, '') + '='.repeat(pick() % 3);
  }
}

describe('isCanonicalBase64Of', () => {
  it('agrees with strict decoding on canonical, mutated and spare-bit inputs of every length class', () => {
    let state = 0x9e3779b9;
    const pick = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state >>> 8;
    };
    let accepted = 0;
    let cases = 0;
    for (const bytes of [30, 31, 32, 33, 63, 64, 65]) {
      for (let i = 0; i < 400; i++) {
        const good = randomBytes(bytes).toString('base64');
        const inputs = [good, mutate(good, pick), mutate(mutate(good, pick), pick)];
        // The same bytes with a spare bit set in the last character before the padding.
        const pad = good.indexOf('=');
        if (pad > 0) {
          const last = ALPHABET.indexOf(good[pad - 1]!);
          inputs.push(good.slice(0, pad - 1) + ALPHABET[last | 1] + good.slice(pad));
        }
        for (const s of inputs) {
          for (const n of [bytes, 64, 32]) {
            cases++;
            const expected = byDecoding(s, n);
            if (expected) accepted++;
            expect(isCanonicalBase64Of(s, n), `${JSON.stringify(s)} as ${n} bytes`).toBe(expected);
          }
        }
      }
    }
    // Both answers occur often: a check that always said no would fail above.
    expect(accepted).toBeGreaterThan(2_000);
    expect(cases - accepted).toBeGreaterThan(2_000);
  });

  it('refuses the empty string for a non-zero length and non-canonical padding', () => {
    expect(isCanonicalBase64Of('', 32)).toBe(false);
    expect(isCanonicalBase64Of('', 0)).toBe(true);
    const good = Buffer.alloc(64, 7).toString('base64');
    expect(isCanonicalBase64Of(good, 64)).toBe(true);
    expect(isCanonicalBase64Of(good.replace(/==$/, ''), 64)).toBe(false);
    expect(isCanonicalBase64Of(`${good}\n`, 64)).toBe(false);
    // base64url's alphabet is not standard base64
    const plusSlash = Buffer.alloc(64, 0xfb).toString('base64');
    expect(plusSlash).toMatch(/\+.*\//);
    expect(isCanonicalBase64Of(plusSlash, 64)).toBe(true);
    expect(isCanonicalBase64Of(plusSlash.replace(/\+/g, '-').replace(/\//g, '_'), 64)).toBe(false);
  });
});

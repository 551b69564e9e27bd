/**
 * Strict standard base64 (RFC 4648 §4) for hostile input: padding required, no whitespace, no
 * spare bits. Node's decoder is lenient (it skips junk), so every decode is checked by re-encoding.
 */
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/** Returns the bytes of `s`, or undefined unless `s` is canonical standard base64. */
export function decodeBase64Strict(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !BASE64_ALPHABET.test(s)) return undefined;
  const bytes = Buffer.from(s, 'base64');
  if (bytes.toString('base64') !== s) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const lengthPatterns = new Map<number, RegExp>();

/**
 * Whether `s` is the canonical standard base64 of exactly `bytes` bytes, what decodeBase64Strict
 * would accept with that length, without decoding: a record's integrity and fingerprint are only
 * checked, never used as bytes, and a warm install checks about a thousand of them. The last
 * character before the padding may carry no spare bits: with 1 byte left over its low 4 bits are
 * zero (A, Q, g, w), with 2 bytes its low 2 bits (A E I M Q U Y c g k o s w 0 4 8).
 */
export function isCanonicalBase64Of(s: string, bytes: number): boolean {
  let re = lengthPatterns.get(bytes);
  if (re === undefined) {
    const full = Math.floor(bytes / 3) * 4;
    const tail = ['', '[A-Za-z0-9+/][AQgw]==', '[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]='][bytes % 3];
    re = new RegExp(`^[A-Za-z0-9+/]{${full}}${tail}$`);
    lengthPatterns.set(bytes, re);
  }
  return re.test(s);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

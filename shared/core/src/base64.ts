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

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

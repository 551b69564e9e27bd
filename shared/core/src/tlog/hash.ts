/**
 * RFC 6962 §2.1 Merkle tree hashing with SHA-256, as used by c2sp.org/tlog-tiles and Go's sumdb.
 */
import * as crypto from 'node:crypto';
import { SumgateError } from '../errors.js';
import { decodeBase64Strict, encodeBase64 } from '../base64.js';

/** A SHA-256 hash: always 32 bytes. */
export type Hash = Uint8Array;

export const HASH_SIZE = 32;

/**
 * One-shot SHA-256 (crypto.hash, Node >= 20.12) is faster than createHash for the 33- and 65-byte
 * inputs of tree hashing, which is most of what proofs and tile reads cost.
 */
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array | string, enc: 'buffer') => Buffer }).hash;

function sha256(data: Uint8Array | string): Hash {
  const b =
    oneShot !== undefined
      ? oneShot('sha256', data, 'buffer')
      : crypto.createHash('sha256').update(data).digest();
  return new Uint8Array(b.buffer, b.byteOffset, b.length); // a plain Uint8Array view, no copy
}

/** RFC 6962 §2.1: MTH({d}) = SHA-256(0x00 || d), the hash of one log record. */
export function recordHash(data: Uint8Array): Hash {
  const buf = Buffer.allocUnsafe(1 + data.length);
  buf[0] = 0x00;
  buf.set(data, 1);
  return sha256(buf);
}

/**
 * recordHash of a record's text, its UTF-8 bytes, without building them first: a warm install
 * hashes about a thousand records it holds as strings (both hashing paths encode a string as UTF-8).
 */
export function recordTextHash(text: string): Hash {
  return sha256(`\0${text}`);
}

/** RFC 6962 §2.1: an interior node, SHA-256(0x01 || left || right). */
export function nodeHash(left: Hash, right: Hash): Hash {
  const buf = Buffer.allocUnsafe(1 + left.length + right.length);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** RFC 6962 §2.1: MTH({}) = SHA-256(""), the root of the empty tree. */
export const EMPTY_TREE_HASH: Hash = sha256(new Uint8Array(0));

/** Byte equality of two hashes (they are public values, so no constant-time compare is needed). */
export function hashEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toBase64(h: Hash): string {
  return encodeBase64(h);
}

/** Parses one base64 hash from hostile input: exactly 32 bytes of canonical base64, else MALFORMED_PROOF. */
export function fromBase64Hash(s: string): Hash {
  const bytes = decodeBase64Strict(s);
  if (bytes === undefined || bytes.length !== HASH_SIZE) {
    throw new SumgateError('MALFORMED_PROOF', 'malformed hash: expected 32 bytes of canonical base64');
  }
  return bytes;
}

/** Asserts a tree size or index is a non-negative safe integer (JS numbers are exact up to 2^53). */
export function assertIndex(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${String(n)}`);
  }
}

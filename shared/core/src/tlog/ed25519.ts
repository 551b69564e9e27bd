/** Raw Ed25519 (RFC 8032) keys on top of node:crypto, which wants DER-wrapped keys. */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

// RFC 8410 §7 PKCS#8 prefix for a 32-byte Ed25519 seed, and SPKI prefix for a 32-byte public key.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError('Ed25519 seed must be 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function ed25519PublicKey(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== 32) throw new RangeError('Ed25519 public key must be 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

/** The 32-byte public key of a seed. */
export function ed25519PublicFromSeed(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(ed25519PrivateKey(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
}

export function ed25519Seed(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export function ed25519Sign(key: KeyObject, msg: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, msg, key));
}

/** False for a bad signature (never throws on hostile signature bytes). */
export function ed25519Verify(key: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== 64) return false;
  try {
    return verify(null, msg, key, sig);
  } catch {
    return false;
  }
}

/**
 * c2sp.org/tlog-cosignature, Ed25519 type (0x04): a witness's timestamped signature on a checkpoint.
 *
 * The signature bytes are `u64 BE timestamp || Ed25519 signature` over the message
 * `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint note text. Cosigner keys are
 * signed-note keys whose key ID is computed with type byte 0x04, so a cosignature Verifier plugs
 * into openNote like any other key.
 */
import { SumgateError } from '../errors.js';
import { parseCheckpoint } from './checkpoint.js';
import {
  ed25519PrivateKey,
  ed25519PublicFromSeed,
  ed25519PublicKey,
  ed25519Seed,
  ed25519Sign,
  ed25519Verify,
} from './ed25519.js';
import {
  decodeSignerKey,
  decodeVerifierKey,
  formatSignatureLine,
  formatSignerKey,
  formatVerifierKey,
  isValidKeyName,
  keyHash,
  parseNote,
  utf8,
  type NoteSignature,
  type Signer,
  type Verifier,
} from './note.js';

/** c2sp.org/signed-note "Signature types": 0x04 is the timestamped Ed25519 cosignature. */
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;
/** c2sp.org/tlog-cosignature: the timestamp MUST NOT exceed 2^63 - 1. */
const MAX_TIMESTAMP = (1n << 63n) - 1n;

function badKey(what: string, why: string): SumgateError {
  return new SumgateError('POLICY_INVALID', `invalid ${what}: ${why}`, {
    fix: 'use the witness key exactly as the witness publishes it (<name>+<8 hex>+base64(0x04 || key))',
  });
}

/** c2sp.org/tlog-cosignature "Ed25519 signed message". */
export function cosignatureMessage(checkpointText: string, timestamp: bigint | number): Uint8Array {
  return prefixed(utf8(checkpointText), BigInt(timestamp));
}

function prefixed(msg: Uint8Array, timestamp: bigint): Uint8Array {
  const prefix = utf8(`cosignature/v1\ntime ${timestamp.toString()}\n`);
  const signed = new Uint8Array(prefix.length + msg.length);
  signed.set(prefix);
  signed.set(msg, prefix.length);
  return signed;
}

/** A Verifier for an Ed25519 cosigner key; `verify` takes the 72 signature bytes (timestamp || signature). */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): Verifier {
  if (!isValidKeyName(name)) throw badKey('cosigner key', `bad key name ${JSON.stringify(name)}`);
  const key = ed25519PublicKey(publicKey);
  return {
    name,
    keyHash: keyHash(name, SIG_TYPE_COSIGNATURE_V1, publicKey),
    verify: (msg, sig) => {
      if (sig.length !== 8 + 64) return false;
      const ts = Buffer.from(sig.buffer, sig.byteOffset, 8).readBigUInt64BE(0);
      if (ts > MAX_TIMESTAMP) return false;
      return ed25519Verify(key, prefixed(msg, ts), sig.subarray(8));
    },
  };
}

/** Parses a cosigner verifier key: a vkey of type 0x04 with a 32-byte Ed25519 key (c2sp.org/tlog-cosignature "Format"). */
export function parseCosignerKey(vkey: string): Verifier {
  const k = decodeVerifierKey(vkey);
  if (k.type !== SIG_TYPE_COSIGNATURE_V1) {
    throw badKey(
      'cosigner key',
      `key type 0x${k.type.toString(16).padStart(2, '0')} is not an Ed25519 cosignature key (0x04)`,
    );
  }
  if (k.publicKey.length !== 32) throw badKey('cosigner key', 'Ed25519 key must be 32 bytes');
  return cosignatureVerifier(k.name, k.publicKey);
}

/** The timestamp (POSIX seconds) of a cosignature's signature bytes; MALFORMED_NOTE unless 72 bytes. */
export function cosignatureTimestamp(sig: NoteSignature | Uint8Array): number {
  const bytes = sig instanceof Uint8Array ? sig : sig.signature;
  if (bytes.length !== 8 + 64)
    throw new SumgateError('MALFORMED_NOTE', 'malformed cosignature: expected 72 bytes');
  const ts = Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64BE(0);
  if (ts > BigInt(Number.MAX_SAFE_INTEGER))
    throw new SumgateError('MALFORMED_NOTE', 'malformed cosignature: timestamp out of range');
  return Number(ts);
}

/** A cosigner's key. As a note Signer it cosigns at the current time. */
export interface CosignatureSigner extends Signer {
  /** The 72 signature bytes for checkpoint text `msg` at `timestamp` (POSIX seconds). */
  signAt(msg: Uint8Array, timestamp: number): Uint8Array;
}

export function cosignatureSigner(name: string, seed: Uint8Array): CosignatureSigner {
  if (!isValidKeyName(name)) throw badKey('cosigner signer key', `bad key name ${JSON.stringify(name)}`);
  const key = ed25519PrivateKey(seed);
  const signAt = (msg: Uint8Array, timestamp: number): Uint8Array => {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0)
      throw new RangeError('cosignature timestamp must be a non-negative safe integer');
    const signed = prefixed(msg, BigInt(timestamp));
    const out = new Uint8Array(8 + 64);
    Buffer.from(out.buffer).writeBigUInt64BE(BigInt(timestamp), 0);
    out.set(ed25519Sign(key, signed), 8);
    return out;
  };
  return {
    name,
    keyHash: keyHash(name, SIG_TYPE_COSIGNATURE_V1, ed25519PublicFromSeed(seed)),
    signAt,
    sign: (msg) => signAt(msg, Math.floor(Date.now() / 1000)),
  };
}

/**
 * Parses a cosigner signer key `PRIVATE+KEY+<name>+<key ID>+base64(0x04 || seed)`. A Go note
 * signer key (type 0x01) is also accepted and used as a cosigner, like transparency-dev/formats.
 */
export function parseCosignerSignerKey(skey: string): CosignatureSigner {
  const k = decodeSignerKey(skey);
  if ((k.type !== SIG_TYPE_COSIGNATURE_V1 && k.type !== 0x01) || k.secret.length !== 32) {
    throw badKey('cosigner signer key', `unsupported key type 0x${k.type.toString(16).padStart(2, '0')}`);
  }
  if (keyHash(k.name, k.type, ed25519PublicFromSeed(k.secret)) !== k.keyHash) {
    throw badKey('cosigner signer key', 'key ID does not match the key');
  }
  return cosignatureSigner(k.name, k.secret);
}

/** A fresh Ed25519 cosigner key pair (both of type 0x04). */
export function generateCosignerKeyPair(name: string): { skey: string; vkey: string } {
  if (!isValidKeyName(name)) throw badKey('cosigner name', `bad key name ${JSON.stringify(name)}`);
  const seed = ed25519Seed();
  const pub = ed25519PublicFromSeed(seed);
  return {
    skey: formatSignerKey(name, SIG_TYPE_COSIGNATURE_V1, seed, pub),
    vkey: formatVerifierKey(name, SIG_TYPE_COSIGNATURE_V1, pub),
  };
}

/** Cosigns checkpoint note text (no signature lines) at `timestamp`; format it with formatSignatureLine. */
export function signCosignature(
  checkpointText: string,
  signer: CosignatureSigner,
  timestamp: number,
): NoteSignature {
  parseCheckpoint(checkpointText);
  return {
    name: signer.name,
    keyHash: signer.keyHash,
    signature: signer.signAt(utf8(checkpointText), timestamp),
  };
}

/** Appends a cosignature line to a signed checkpoint note. The caller must have verified the note. */
export function addCosignature(signedNote: string, signer: CosignatureSigner, timestamp: number): string {
  const note = parseNote(signedNote);
  return signedNote + formatSignatureLine(signCosignature(note.text, signer, timestamp));
}

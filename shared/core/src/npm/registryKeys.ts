/**
 * The npm registry's signing keys, as served at `/-/npm/v1/keys`
 * (docs.npmjs.com "About registry signatures"): `{keys: [{expires, keyid, keytype, scheme, key}]}`,
 * `key` being a base64 SPKI DER ECDSA P-256 public key.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { SumgateError } from '../errors.js';
import { decodeBase64Strict } from '../base64.js';

export interface NpmRegistryKey {
  keyid: string;
  /** base64 SPKI DER, ECDSA P-256. */
  key: string;
  /** ISO date; the key signs only packages published before it. null: no expiry. */
  expires: string | null;
}

/** The only key type the registry uses (and npm verifies) today. */
export const NPM_KEY_TYPE = 'ecdsa-sha2-nistp256';

function badKeys(why: string): SumgateError {
  return new SumgateError('REGISTRY_SIGNATURE', `malformed npm registry keys: ${why}`, {
    fix: "fetch the keys again from the registry's /-/npm/v1/keys, or from a trusted copy",
  });
}

/** The P-256 public key in an SPKI DER base64 string; throws REGISTRY_SIGNATURE otherwise. */
export function npmPublicKey(spkiDerBase64: string): KeyObject {
  const der = decodeBase64Strict(spkiDerBase64);
  if (der === undefined) throw badKeys('a key is not canonical base64');
  let key: KeyObject;
  try {
    key = createPublicKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type: 'spki',
    });
  } catch {
    throw badKeys('a key is not an SPKI DER public key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw badKeys('a key is not an ECDSA P-256 key');
  }
  return key;
}

/** RFC 4251 §5 `string`: uint32 length, then the bytes. */
function sshString(bytes: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/**
 * The registry's keyid for a key: `SHA256:` + unpadded base64 of SHA-256 over the SSH wire-format
 * public key (RFC 5656 §3.1: string "ecdsa-sha2-nistp256", string "nistp256", string Q, Q the
 * uncompressed point), i.e. the OpenSSH fingerprint of the key.
 */
export function npmKeyId(spkiDerBase64: string): string {
  const jwk = npmPublicKey(spkiDerBase64).export({ format: 'jwk' });
  const x = Buffer.from(jwk.x ?? '', 'base64url');
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  const point = Buffer.concat([Buffer.from([0x04]), x, y]);
  if (point.length !== 65) throw badKeys('a key is not an uncompressed P-256 point');
  const wire = Buffer.concat([
    sshString(Buffer.from(NPM_KEY_TYPE)),
    sshString(Buffer.from('nistp256')),
    sshString(point),
  ]);
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

function field(entry: Record<string, unknown>, name: string, i: number): string {
  const value = entry[name];
  if (typeof value !== 'string' || value.length === 0)
    throw badKeys(`keys[${i}].${name} must be a non-empty string`);
  return value;
}

/**
 * Parses a `/-/npm/v1/keys` document. Keys of another keytype are left out (no verifier for them:
 * their signatures come back as 'unknown-key'); everything else must be exact, and each keyid
 * must be the fingerprint of its key.
 */
export function parseNpmKeys(json: unknown): NpmRegistryKey[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw badKeys('expected an object with a "keys" array');
  const list = (json as Record<string, unknown>)['keys'];
  if (!Array.isArray(list)) throw badKeys('expected an object with a "keys" array');
  const out: NpmRegistryKey[] = [];
  const seen = new Set<string>();
  list.forEach((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw badKeys(`keys[${i}] is not an object`);
    const entry = raw as Record<string, unknown>;
    const keyid = field(entry, 'keyid', i);
    const keytype = field(entry, 'keytype', i);
    const key = field(entry, 'key', i);
    const scheme = field(entry, 'scheme', i);
    const rawExpires = entry['expires'];
    let expires: string | null = null;
    if (rawExpires !== null) {
      if (
        typeof rawExpires !== 'string' ||
        !/^\d{4}-\d{2}-\d{2}T/.test(rawExpires) ||
        Number.isNaN(Date.parse(rawExpires))
      ) {
        throw badKeys(`keys[${i}].expires must be null or an ISO 8601 date`);
      }
      expires = rawExpires;
    }
    if (seen.has(keyid)) throw badKeys(`keyid ${keyid} appears twice`);
    seen.add(keyid);
    if (keytype !== NPM_KEY_TYPE) return;
    if (scheme !== NPM_KEY_TYPE)
      throw badKeys(`keys[${i}].scheme ${JSON.stringify(scheme)} does not match its keytype`);
    if (npmKeyId(key) !== keyid) throw badKeys(`keyid ${keyid} is not the fingerprint of its key`);
    out.push({ keyid, key, expires });
  });
  return out;
}

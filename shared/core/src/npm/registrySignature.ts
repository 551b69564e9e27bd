/**
 * Verification of the npm registry's ECDSA signatures (`dist.signatures`), as npm does it
 * (pacote lib/registry.js; docs.npmjs.com "About registry signatures"): the registry signs
 * `${name}@${version}:${integrity}` with ECDSA P-256 / SHA-256; signatures are DER, base64.
 */
import { verify } from 'node:crypto';
import { SumgateError } from '../errors.js';
import { decodeBase64Strict } from '../base64.js';
import { npmPublicKey, type NpmRegistryKey } from './registryKeys.js';

export { npmKeyId, parseNpmKeys, type NpmRegistryKey } from './registryKeys.js';

export type RegistrySignatureStatus =
  | { status: 'valid'; keyid: string }
  /** The source served no signatures (mirrors often strip them). */
  | { status: 'unsigned' }
  /** Signed, but by none of the keys we have: the keys are stale or the signature is foreign. */
  | { status: 'unknown-key'; keyids: string[] };

export interface RegistrySignatureArgs {
  name: string;
  version: string;
  integrity: string;
  signatures: Array<{ keyid: string; sig: string }>;
  keys: NpmRegistryKey[];
  /**
   * When the registry says the version was published. Give it only from a source you trust to
   * report the registry's time (mirrors report their own ingestion time); without it the key
   * expiry is not checked, as npm does when a manifest has no `_time`.
   */
  publishedAt?: Date;
}

/**
 * Checks every signature made by a key we know: all must verify with a key that had not expired
 * at publish time, else REGISTRY_SIGNATURE naming the package. Signatures by keys we do not know
 * are ignored when a known key's signature verifies, and reported as 'unknown-key' otherwise.
 */
export function verifyRegistrySignature(args: RegistrySignatureArgs): RegistrySignatureStatus {
  const { name, version, integrity, signatures, keys, publishedAt } = args;
  const pkg = `${name}@${version}`;
  if (signatures.length === 0) return { status: 'unsigned' };
  const message = Buffer.from(`${pkg}:${integrity}`, 'utf8');
  const unknown: string[] = [];
  let validKeyid: string | undefined;
  for (const { keyid, sig } of signatures) {
    const key = keys.find((k) => k.keyid === keyid);
    if (key === undefined) {
      unknown.push(keyid);
      continue;
    }
    // npm: a key is valid for a package published before the key's `expires`.
    if (
      key.expires !== null &&
      publishedAt !== undefined &&
      !(publishedAt.getTime() < Date.parse(key.expires))
    ) {
      throw new SumgateError(
        'REGISTRY_SIGNATURE',
        `${pkg} is signed with npm registry key ${keyid}, which expired on ${key.expires}, before the version was published (${publishedAt.toISOString()})`,
        {
          pkg,
          fix: `do not install ${pkg}; if the registry is a mirror, check that it reports the registry's publish time`,
          data: { keyid, expires: key.expires },
        },
      );
    }
    const der = decodeBase64Strict(sig);
    let ok = false;
    if (der !== undefined) {
      try {
        ok = verify('sha256', message, { key: npmPublicKey(key.key), dsaEncoding: 'der' }, der);
      } catch (e) {
        if (e instanceof SumgateError) throw e;
        ok = false;
      }
    }
    if (!ok) {
      throw new SumgateError(
        'REGISTRY_SIGNATURE',
        `${pkg}: the npm registry signature by ${keyid} does not match integrity ${integrity}; the tarball checksum or its signature was altered`,
        {
          pkg,
          fix: `do not install ${pkg}; fetch it from the public registry and report the source that served it`,
          data: { keyid, integrity },
        },
      );
    }
    validKeyid ??= keyid;
  }
  return validKeyid === undefined
    ? { status: 'unknown-key', keyids: unknown }
    : { status: 'valid', keyid: validKeyid };
}

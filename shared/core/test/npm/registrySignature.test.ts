import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  npmKeyId,
  parseNpmKeys,
  verifyRegistrySignature,
  type NpmRegistryKey,
} from '../../src/npm/registrySignature.js';

const vectorsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors');

interface VectorFile {
  keys: Array<{ keyid: string; keytype: string; scheme: string; expires: string | null; key: string }>;
  vectors: Array<{
    name: string;
    version: string;
    publish_time: number;
    integrity: string;
    signatures: Array<{ keyid: string; sig: string }>;
    expect: string;
  }>;
}
const file = JSON.parse(
  readFileSync(path.join(vectorsDir, 'npm-registry-signature.json'), 'utf8'),
) as VectorFile;
const keys = parseNpmKeys({ keys: file.keys });
const vector = file.vectors[0]!;
const args = {
  name: vector.name,
  version: vector.version,
  integrity: vector.integrity,
  signatures: vector.signatures,
  keys,
  publishedAt: new Date(vector.publish_time),
};

const pkgError = (message: RegExp) =>
  expect.objectContaining({
    code: 'REGISTRY_SIGNATURE',
    pkg: 'typescript@5.4.5',
    message: expect.stringMatching(message),
  });

describe('npmKeyId', () => {
  it('reproduces both registry keyids from their SPKI keys', () => {
    expect(file.keys).toHaveLength(2);
    for (const k of file.keys) expect(npmKeyId(k.key)).toBe(k.keyid);
  });

  it('rejects keys that are not P-256 SPKI', () => {
    const ed = generateKeyPairSync('ed25519')
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .publicKey.export({ format: 'der', type: 'spki' })
      .toString('base64');
    for (const bad of [ed, p384, 'AAAA', 'not base64!']) {
      expect(() => npmKeyId(bad)).toThrow(expect.objectContaining({ code: 'REGISTRY_SIGNATURE' }));
    }
  });
});

describe('verifyRegistrySignature', () => {
  it('the typescript@5.4.5 vector verifies', () => {
    expect(vector.expect).toBe('valid');
    expect(verifyRegistrySignature(args)).toEqual({ status: 'valid', keyid: vector.signatures[0]!.keyid });
  });

  it('changing one character of the integrity fails, naming the package', () => {
    const i = vector.integrity.indexOf('A', 10);
    const tampered = `${vector.integrity.slice(0, i)}B${vector.integrity.slice(i + 1)}`;
    expect(() => verifyRegistrySignature({ ...args, integrity: tampered })).toThrow(
      pkgError(/typescript@5\.4\.5: the npm registry signature .* does not match/),
    );
  });

  it('a different version or name fails', () => {
    expect(() => verifyRegistrySignature({ ...args, version: '5.4.6' })).toThrow(
      expect.objectContaining({ code: 'REGISTRY_SIGNATURE' }),
    );
    expect(() => verifyRegistrySignature({ ...args, name: 'typescripT' })).toThrow(
      expect.objectContaining({ code: 'REGISTRY_SIGNATURE' }),
    );
  });

  it('a corrupted signature fails', () => {
    const sig = vector.signatures[0]!;
    for (const bad of [`${sig.sig.slice(0, 20)}A${sig.sig.slice(21)}`, 'AAAA', 'not base64']) {
      expect(() =>
        verifyRegistrySignature({ ...args, signatures: [{ keyid: sig.keyid, sig: bad }] }),
      ).toThrow(pkgError(/does not match/));
    }
  });

  it('a signature by a key published after the key expired fails', () => {
    expect(() =>
      verifyRegistrySignature({ ...args, publishedAt: new Date('2025-01-29T00:00:00.000Z') }),
    ).toThrow(pkgError(/expired on 2025-01-29/));
    expect(() => verifyRegistrySignature({ ...args, publishedAt: new Date('2026-01-01T00:00:00Z') })).toThrow(
      pkgError(/expired/),
    );
    // just before expiry is still fine
    expect(
      verifyRegistrySignature({ ...args, publishedAt: new Date('2025-01-28T23:59:59.999Z') }).status,
    ).toBe('valid');
  });

  it('without a publish time, expiry is not checked (npm does the same without _time)', () => {
    const { publishedAt: _, ...noTime } = args;
    expect(verifyRegistrySignature(noTime).status).toBe('valid');
  });

  it('an unknown keyid gives unknown-key', () => {
    const other = keys.filter((k) => k.keyid !== vector.signatures[0]!.keyid);
    expect(verifyRegistrySignature({ ...args, keys: other })).toEqual({
      status: 'unknown-key',
      keyids: [vector.signatures[0]!.keyid],
    });
  });

  it('no signatures gives unsigned', () => {
    expect(verifyRegistrySignature({ ...args, signatures: [] })).toEqual({ status: 'unsigned' });
  });

  it('a valid known signature wins over unknown ones; a bad known one fails regardless', () => {
    const extra = { keyid: 'SHA256:someday', sig: 'AAAA' };
    expect(verifyRegistrySignature({ ...args, signatures: [extra, ...vector.signatures] })).toEqual({
      status: 'valid',
      keyid: vector.signatures[0]!.keyid,
    });
    const forged = {
      keyid: 'SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U',
      sig: vector.signatures[0]!.sig,
    };
    expect(() => verifyRegistrySignature({ ...args, signatures: [...vector.signatures, forged] })).toThrow(
      pkgError(/DhQ8wR5/),
    );
  });

  it('verifies a signature made by a fresh key over the same message format', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const key = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const own: NpmRegistryKey = { keyid: npmKeyId(key), key, expires: null };
    const sig = sign('sha256', Buffer.from(`@scope/x@1.0.0:${vector.integrity}`), {
      key: privateKey,
      dsaEncoding: 'der',
    }).toString('base64');
    const base = { name: '@scope/x', version: '1.0.0', integrity: vector.integrity, keys: [own] };
    expect(verifyRegistrySignature({ ...base, signatures: [{ keyid: own.keyid, sig }] }).status).toBe(
      'valid',
    );
    expect(() =>
      verifyRegistrySignature({ ...base, version: '1.0.1', signatures: [{ keyid: own.keyid, sig }] }),
    ).toThrow(/@scope\/x@1\.0\.1/);
  });
});

describe('parseNpmKeys', () => {
  it('parses the /-/npm/v1/keys shape', () => {
    expect(keys).toEqual(file.keys.map(({ keyid, key, expires }) => ({ keyid, key, expires })));
  });

  it('leaves out keys of other key types', () => {
    const doc = {
      keys: [
        ...file.keys,
        { keyid: 'future', keytype: 'ml-dsa-44', scheme: 'ml-dsa-44', key: 'AAAA', expires: null },
      ],
    };
    expect(parseNpmKeys(doc)).toHaveLength(2);
  });

  const k0 = file.keys[0]!;
  it.each([
    ['not an object', null],
    ['no keys array', { keys: {} }],
    ['entry not an object', { keys: ['x'] }],
    ['missing keyid', { keys: [{ ...k0, keyid: undefined }] }],
    ['bad expires', { keys: [{ ...k0, expires: 'soon' }] }],
    ['numeric expires', { keys: [{ ...k0, expires: 1738108800000 }] }],
    ['scheme mismatch', { keys: [{ ...k0, scheme: 'rsa' }] }],
    ['keyid not the fingerprint', { keys: [{ ...k0, keyid: file.keys[1]!.keyid }] }],
    ['duplicate keyid', { keys: [k0, k0] }],
    ['key not base64', { keys: [{ ...k0, key: 'nope!' }] }],
  ])('rejects %s', (_, doc) => {
    expect(() => parseNpmKeys(doc)).toThrow(
      expect.objectContaining({
        code: 'REGISTRY_SIGNATURE',
        message: expect.stringMatching(/malformed npm registry keys/),
      }),
    );
  });
});

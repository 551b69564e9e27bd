/** Test helpers: valid npm checksum records with deterministic content. */
import { createHash } from 'node:crypto';
import { formatRecord, type NpmRecord } from '@sumgate/core';

export function fakeIntegrity(seed: string): string {
  return `sha512-${createHash('sha512').update(seed).digest('base64')}`;
}

export function fakeRecord(i: number, salt = ''): NpmRecord {
  return {
    name: i % 3 === 0 ? `@scope${i % 7}/pkg-${i}` : `pkg-${i}`,
    version: `1.${i % 10}.${i}`,
    integrity: fakeIntegrity(`${i}/${salt}`),
    installCode: { fingerprint: 'none', hooks: [] },
    signatures: [],
  };
}

export function fakeRecordText(i: number, salt = ''): string {
  return formatRecord(fakeRecord(i, salt));
}

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArchiveBindings, splitChecksum } from '../src/archiveBinding.js';

const dirs: string[] = [];
const tempCache = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'sumgate-bindings-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const binding = {
  name: '@scope/pkg',
  version: '1.2.3',
  cacheKey: '10c0',
  hash: 'ab'.repeat(64),
  integrity: 'sha512-xyz==',
};

describe('splitChecksum', () => {
  it('splits yarn.lock checksums into cache key and hash', () => {
    expect(splitChecksum('10c0/abcdef')).toEqual({ cacheKey: '10c0', hash: 'abcdef' });
    expect(splitChecksum('abcdef')).toEqual({ cacheKey: undefined, hash: 'abcdef' });
  });
});

describe('ArchiveBindings', () => {
  it('reads back what it wrote, per name@version and cache key', async () => {
    const b = new ArchiveBindings(tempCache());
    await b.set(binding);
    expect(b.get('@scope/pkg', '1.2.3', '10c0')).toEqual(binding);
    expect(b.get('@scope/pkg', '1.2.3', '10c1')).toBeUndefined();
    expect(b.get('@scope/pkg', '1.2.4', '10c0')).toBeUndefined();
  });

  it('treats a damaged or foreign entry as a miss', async () => {
    const dir = tempCache();
    const b = new ArchiveBindings(dir);
    await b.set(binding);
    const shard = path.join(dir, 'yarn-archives', 'v1', '10c0');
    const [sub] = readdirSync(shard);
    const [file] = readdirSync(path.join(shard, sub!));
    const entry = path.join(shard, sub!, file!);
    // read by a later process (a new instance): this one remembers what it wrote
    const later = () => new ArchiveBindings(dir).get('@scope/pkg', '1.2.3', '10c0');
    writeFileSync(entry, '{not json');
    expect(later()).toBeUndefined();
    // an entry naming another package (a copied file) does not bind this one
    writeFileSync(entry, JSON.stringify({ ...binding, name: 'other' }));
    expect(later()).toBeUndefined();
    writeFileSync(entry, JSON.stringify({ ...binding, integrity: 'sha1-abc' }));
    expect(later()).toBeUndefined();
  });

  it('reads each binding once per process; a miss is read again', async () => {
    const dir = tempCache();
    const writer = new ArchiveBindings(dir);
    const reader = new ArchiveBindings(dir);
    expect(reader.get('@scope/pkg', '1.2.3', '10c0')).toBeUndefined();
    await writer.set(binding);
    expect(reader.get('@scope/pkg', '1.2.3', '10c0')).toEqual(binding);
    const shard = path.join(dir, 'yarn-archives', 'v1', '10c0');
    const [sub] = readdirSync(shard);
    rmSync(path.join(shard, sub!), { recursive: true });
    expect(reader.get('@scope/pkg', '1.2.3', '10c0')).toEqual(binding);
    expect(writer.get('@scope/pkg', '1.2.3', '10c0')).toEqual(binding);
    expect(new ArchiveBindings(dir).get('@scope/pkg', '1.2.3', '10c0')).toBeUndefined();
  });
});

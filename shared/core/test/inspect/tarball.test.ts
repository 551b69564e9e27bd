import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipTarball, listTarball, openTarball, packagePath, readTarball } from '../../src/inspect/tarball.js';
import { paxRecord, pkg, tar, tgz } from './tarWriter.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('utf8'));
const all = (): boolean => true;

function malformed(fn: () => unknown, message: RegExp): void {
  expect(fn).toThrow(expect.objectContaining({ code: 'MALFORMED_TARBALL', message: expect.stringMatching(message) }));
}

describe('readTarball', () => {
  it('strips the package/ root and returns only wanted regular files', () => {
    const files = readTarball(pkg({ 'package.json': '{}', 'lib/a.js': 'a', 'lib/b.js': 'b' }), (p) => p !== 'lib/b.js');
    expect([...files.keys()]).toEqual(['package.json', 'lib/a.js']);
    expect(text(files.get('lib/a.js'))).toBe('a');
  });

  it('strips a root directory of any name, and normalises ./ and empty segments', () => {
    const files = readTarball(tgz([
      { path: 'node-v1/package.json', content: '{"name":"x"}' },
      { path: './node-v1/.//lib/./x.js', content: 'x' },
      { path: 'top-level-file', content: 'dropped, as tar --strip-components=1 drops it' },
    ]), all);
    expect([...files.keys()].sort()).toEqual(['node-v1/lib/x.js', 'package.json']);
    // "./node-v1/..." has root "." (everything up to the first slash), like node-tar's strip.
    expect(packagePath('./package/lib/x.js')).toBe('package/lib/x.js');
    expect(packagePath('package/')).toBeUndefined();
  });

  it('reads long names from pax headers, GNU L headers and the ustar prefix field', () => {
    const long = `package/${'d'.repeat(60)}/${'e'.repeat(60)}/file.js`;
    for (const longName of ['pax', 'gnu', 'prefix'] as const) {
      const files = readTarball(tgz([{ path: long, content: longName, longName }]), all);
      expect(text(files.get(long.slice('package/'.length))), longName).toBe(longName);
      expect(files.size).toBe(1);
    }
  });

  it('skips directories and other non-regular entries; later duplicates win', () => {
    const files = readTarball(tgz([
      { path: 'package/', type: '5' },
      { path: 'package/fifo', type: '6' },
      { path: 'package/a.js', content: 'first' },
      { path: 'package/a.js', content: 'second' },
      { path: 'package/b.js', content: 'file' },
      { path: 'package/b.js', type: '5' },
    ]), all);
    expect([...files.keys()]).toEqual(['a.js']);
    expect(text(files.get('a.js'))).toBe('second');
  });

  it('follows hard links and in-package symbolic links, but not links leaving the package', () => {
    const t = openTarball(tgz([
      { path: 'package/real.js', content: 'real' },
      { path: 'package/hard.js', type: '1', linkname: 'package/real.js' },
      { path: 'package/bin/soft.js', type: '2', linkname: '../real.js' },
      { path: 'package/escape.js', type: '2', linkname: '../../etc/passwd' },
      { path: 'package/abs.js', type: '2', linkname: '/etc/passwd' },
      { path: 'package/loop.js', type: '2', linkname: 'loop.js' },
    ]));
    expect(text(t.read('hard.js'))).toBe('real');
    expect(text(t.read('bin/soft.js'))).toBe('real');
    expect(t.read('escape.js')).toBeUndefined();
    expect(t.read('abs.js')).toBeUndefined();
    expect(t.read('loop.js')).toBeUndefined();
    expect(listTarball(tgz([{ path: 'package/x', type: '2', linkname: 'y' }]))).toEqual([
      { path: 'x', type: 'symlink', offset: 512, size: 0, linkTarget: 'y' },
    ]);
  });

  it('keeps reading after a single zero block, as node-tar does', () => {
    const raw = Buffer.concat([
      tar([{ path: 'package/a.js', content: 'a' }], { endBlocks: 1 }),
      tar([{ path: 'package/package.json', content: '{}' }]),
    ]);
    expect([...readTarball(gzipSync(raw), all).keys()]).toEqual(['a.js', 'package.json']);
  });

  it('accepts an archive without end-of-archive blocks, and concatenated gzip members', () => {
    const noEnd = gzipSync(tar([{ path: 'package/a.js', content: 'a' }], { endBlocks: 0 }));
    expect([...readTarball(noEnd, all).keys()]).toEqual(['a.js']);
    const raw = tar([{ path: 'package/a.js', content: 'abc' }]);
    const twoMembers = Buffer.concat([gzipSync(raw.subarray(0, 700)), gzipSync(raw.subarray(700))]);
    expect(text(readTarball(twoMembers, all).get('a.js'))).toBe('abc');
  });
});

describe('readTarball refuses malformed archives (MALFORMED_TARBALL)', () => {
  it('not gzip, corrupt gzip, truncated gzip', () => {
    malformed(() => readTarball(tar([{ path: 'package/a', content: 'a' }]), all), /not gzip/);
    const good = pkg({ 'package.json': '{}' });
    const corrupt = Buffer.from(good);
    corrupt[20] = corrupt[20]! ^ 0xff;
    corrupt[30] = corrupt[30]! ^ 0xff;
    malformed(() => readTarball(corrupt, all), /gzip stream is corrupt/);
    malformed(() => readTarball(good.subarray(0, good.length - 10), all), /gzip stream is corrupt/);
  });

  it('more uncompressed bytes than the bound', () => {
    const big = gzipSync(new Uint8Array(64 * 1024));
    malformed(() => gunzipTarball(big, 16 * 1024), /exceeds 16384 bytes/);
    expect(gunzipTarball(big, 64 * 1024).length).toBe(64 * 1024);
  });

  it('a bad header checksum', () => {
    malformed(() => readTarball(tgz([{ path: 'package/a', content: 'a' }, { path: 'package/b', content: 'b', badChecksum: true }]), all), /bad header checksum at byte 1024/);
  });

  it('entry data past the end of the archive', () => {
    const raw = tar([{ path: 'package/a', content: 'a', headerSize: 4096 }], { endBlocks: 0 });
    malformed(() => readTarball(gzipSync(raw), all), /runs past the end/);
  });

  it('".." path segments', () => {
    malformed(() => readTarball(tgz([{ path: 'package/../../evil.js', content: 'x' }]), all), /contains "\.\."/);
  });

  it('data after the end-of-archive marker', () => {
    const raw = Buffer.concat([tar([{ path: 'package/a', content: 'a' }]), tar([{ path: 'package/hidden', content: 'h' }])]);
    malformed(() => readTarball(gzipSync(raw), all), /after the end-of-archive/);
  });

  it('a link or directory entry with data', () => {
    malformed(() => readTarball(tgz([{ path: 'package/l', type: '2', linkname: 'x', headerSize: 1 }]), all), /non-zero size/);
  });

  it('pax headers that are not length-prefixed records', () => {
    for (const data of ['not a record\n', '99 path=x\n', '12 path=x\n', '9 =x\n']) {
      malformed(() => readTarball(tgz([{ path: 'p', type: 'x', content: data }, { path: 'package/a', content: 'a' }]), all), /bad pax/);
    }
    const ok = tgz([{ path: 'p', type: 'x', content: paxRecord('path', 'package/renamed.js') }, { path: 'package/a', content: 'a' }]);
    expect([...readTarball(ok, all).keys()]).toEqual(['renamed.js']);
  });

  it('a global pax header that renames or resizes entries', () => {
    for (const key of ['path', 'linkpath', 'size']) {
      const g = tgz([{ path: 'g', type: 'g', content: paxRecord(key, key === 'size' ? '1' : 'package/x') }, { path: 'package/a', content: 'a' }]);
      malformed(() => readTarball(g, all), new RegExp(`global pax header sets "${key}"`));
    }
    const harmless = tgz([{ path: 'g', type: 'g', content: paxRecord('comment', 'hi') }, { path: 'package/a', content: 'a' }]);
    expect([...readTarball(harmless, all).keys()]).toEqual(['a']);
  });

  it('an extended header with no entry after it', () => {
    malformed(() => readTarball(tgz([{ path: 'package/a', content: 'a' }, { path: 'L', type: 'L', content: 'package/x\0' }]), all), /extended header with no entry/);
  });
});

import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  gunzipTarball,
  listTarball,
  openTarball,
  packagePath,
  readTarball,
} from '../../src/inspect/tarball.js';
import { HOSTILE_SHAPES } from './hostileArchives.js';
import {
  concat,
  dataBlocks,
  fileEntry,
  gnuLongName,
  headerBlock,
  paxHeader,
  tgzOf,
  zeroBlocks,
} from './rawTar.js';
import { paxRecord, pkg, tar, tgz } from './tarWriter.js';

const text = (b: Uint8Array | undefined): string | undefined =>
  b === undefined ? undefined : Buffer.from(b).toString('utf8');
const all = (): boolean => true;

function malformed(fn: () => unknown, message: RegExp): void {
  expect(fn).toThrow(
    expect.objectContaining({ code: 'MALFORMED_TARBALL', message: expect.stringMatching(message) }),
  );
}

describe('readTarball', () => {
  it('strips the package/ root and returns only wanted regular files', () => {
    const files = readTarball(
      pkg({ 'package.json': '{}', 'lib/a.js': 'a', 'lib/b.js': 'b' }),
      (p) => p !== 'lib/b.js',
    );
    expect([...files.keys()]).toEqual(['package.json', 'lib/a.js']);
    expect(text(files.get('lib/a.js'))).toBe('a');
  });

  it('strips a top folder of any name, as pnpm and Yarn do', () => {
    const files = readTarball(
      tgz([
        { path: 'node-v1/package.json', content: '{"name":"x"}' },
        { path: 'node-v1/lib/x.js', content: 'x' },
      ]),
      all,
    );
    expect([...files.keys()]).toEqual(['package.json', 'lib/x.js']);
    expect(packagePath('package/lib/x.js')).toBe('lib/x.js');
    expect(packagePath('package/')).toBeUndefined();
    expect(packagePath('./package/lib/x.js')).toBeUndefined();
    // below the top folder, every extractor drops "." segments (proxy-agent 6.5.0 ships
    // "package/./dist/index.js")
    expect(packagePath('package/./dist/./index.js')).toBe('dist/index.js');
  });

  it('reads long names from pax headers, GNU L headers and the ustar prefix field', () => {
    const long = `package/${'d'.repeat(60)}/${'e'.repeat(60)}/file.js`;
    for (const longName of ['pax', 'gnu', 'prefix'] as const) {
      const files = readTarball(tgz([{ path: long, content: longName, longName }]), all);
      expect(text(files.get(long.slice('package/'.length))), longName).toBe(longName);
      expect(files.size).toBe(1);
    }
  });

  it('accepts directories, v7 and GNU magic, space-padded numbers, a pax size, a global comment and NUL type flags', () => {
    const t = tgzOf(
      paxHeader([['comment', 'git commit id']], 'g'),
      headerBlock({ name: 'package/', type: '5' }),
      headerBlock({ name: 'package/lib/', type: '5' }),
      fileEntry('package/a.js', 'aa', { magic: 'v7' }),
      fileEntry('package/b.js', 'bb', { magic: 'gnu', type: 0 }),
      headerBlock({ name: 'package/c.js', size: 3, patch: [[124, '       3 \u0000  ']] }),
      dataBlocks('ccc'),
      paxHeader([
        ['size', '4'],
        ['mtime', '1.5'],
      ]),
      headerBlock({ name: 'package/d.js', size: 0 }),
      dataBlocks('dddd'),
      zeroBlocks(2),
    );
    expect([...readTarball(t, all)].map(([p, b]) => [p, text(b)])).toEqual([
      ['a.js', 'aa'],
      ['b.js', 'bb'],
      ['c.js', 'ccc'],
      ['d.js', 'dddd'],
    ]);
    expect(
      listTarball(t)
        .filter((e) => e.type === 'directory')
        .map((e) => e.path),
    ).toEqual(['lib']);
  });

  it('accepts atime and ctime after a short ustar prefix (bytes 476-499, as star and the @types packer write them)', () => {
    const t = tgzOf(
      fileEntry('x.js', 'x', {
        prefix: 'package/lib',
        patch: [
          [476, '14727160336\u0000'],
          [488, '14727160336\u0000'],
        ],
      }),
      zeroBlocks(2),
    );
    expect([...readTarball(t, all).keys()]).toEqual(['lib/x.js']);
    const long = `package/${'p'.repeat(130)}`;
    malformed(
      () =>
        openTarball(tgzOf(fileEntry('x.js', 'x', { prefix: long, patch: [[490, 'junk']] }), zeroBlocks(2))),
      /ustar prefix field has bytes after its NUL/,
    );
  });

  it('accepts a path listed twice with the same bytes (proxy-agent 6.5.0), refuses it with other bytes', () => {
    const t = tgzOf(
      fileEntry('package/./dist/index.js', 'same'),
      fileEntry('package/dist/index.js', 'same'),
      zeroBlocks(2),
    );
    expect([...readTarball(t, all)].map(([p, b]) => [p, text(b)])).toEqual([['dist/index.js', 'same']]);
    malformed(
      () =>
        openTarball(
          tgzOf(
            fileEntry('package/dist/index.js', 'same'),
            fileEntry('package/dist/index.js', 'other'),
            zeroBlocks(2),
          ),
        ),
      /entry "package\/dist\/index\.js" \(header at byte 1024\): a second entry with the same path and other contents/,
    );
  });

  it('accepts one end-of-archive zero block, padding zeros, and concatenated gzip members', () => {
    expect([
      ...readTarball(gzipSync(tar([{ path: 'package/a.js', content: 'a' }], { endBlocks: 1 })), all).keys(),
    ]).toEqual(['a.js']);
    expect([
      ...readTarball(gzipSync(tar([{ path: 'package/a.js', content: 'a' }], { endBlocks: 20 })), all).keys(),
    ]).toEqual(['a.js']);
    const raw = tar([{ path: 'package/a.js', content: 'abc' }]);
    const twoMembers = Buffer.concat([gzipSync(raw.subarray(0, 700)), gzipSync(raw.subarray(700))]);
    expect(text(readTarball(twoMembers, all).get('a.js'))).toBe('abc');
  });
});

describe('readTarball refuses every ambiguous archive (MALFORMED_TARBALL, naming the entry)', () => {
  it.each(HOSTILE_SHAPES.map((s) => [s.id, s] as const))('hostile shape %s', (_id, shape) => {
    const payload = {
      benign: '{"name":"x","version":"1.0.0"}',
      hidden: '{"name":"x","version":"1.0.0","scripts":{"postinstall":"node install.js"}}',
      installJs: 'x',
    };
    malformed(() => openTarball(shape.build(payload)), shape.refusal);
  });

  it('names the entry and its header offset', () => {
    malformed(
      () =>
        openTarball(tgzOf(fileEntry('package/a.js', 'a'), fileEntry('package\\b.js', 'b'), zeroBlocks(2))),
      /^malformed package tarball: entry "package\\\\b\.js" \(header at byte 1024\): the name contains a backslash/,
    );
  });

  it('not gzip, corrupt gzip, truncated gzip, bytes after the gzip data', () => {
    malformed(() => readTarball(tar([{ path: 'package/a', content: 'a' }]), all), /not gzip/);
    const good = pkg({ 'package.json': '{}' });
    const corrupt = Buffer.from(good);
    corrupt[20] = corrupt[20]! ^ 0xff;
    corrupt[30] = corrupt[30]! ^ 0xff;
    malformed(() => readTarball(corrupt, all), /gzip stream is corrupt/);
    malformed(() => readTarball(good.subarray(0, good.length - 10), all), /gzip stream is corrupt/);
    malformed(
      () => readTarball(concat(good, new Uint8Array(7), Uint8Array.of(1)), all),
      /8 bytes after the end of the gzip data, not all zero/,
    );
    expect([...readTarball(concat(good, new Uint8Array(7713)), all).keys()]).toEqual(['package.json']); // zero padding, as debug 0.0.1 has
  });

  it('more uncompressed bytes than the bound', () => {
    const big = gzipSync(new Uint8Array(64 * 1024));
    malformed(() => gunzipTarball(big, 16 * 1024), /exceeds 16384 bytes/);
    expect(gunzipTarball(big, 64 * 1024).length).toBe(64 * 1024);
  });

  it('bad, signed-only and unterminated header checksums', () => {
    malformed(
      () =>
        readTarball(
          tgz([
            { path: 'package/a', content: 'a' },
            { path: 'package/b', content: 'b', badChecksum: true },
          ]),
          all,
        ),
      /header at byte 1024\): bad header checksum/,
    );
    malformed(
      () =>
        openTarball(
          tgzOf(
            fileEntry('package/\u00e9.js', 'x', { checksum: 'signed', patch: [[200, [0xff]]] }),
            zeroBlocks(2),
          ),
        ),
      /bad header checksum/,
    );
    malformed(
      () => openTarball(tgzOf(fileEntry('package/a.js', 'x', { checksum: 'unterminated' }), zeroBlocks(2))),
      /checksum field is not a terminated octal number/,
    );
  });

  it('numeric fields that are not plain octal', () => {
    for (const size of [
      '0000000001x\u0000',
      '\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000',
      ' 1 2\u0000',
    ]) {
      malformed(
        () =>
          openTarball(
            tgzOf(
              headerBlock({ name: 'package/a.js', patch: [[124, size]] }),
              dataBlocks('a'),
              zeroBlocks(2),
            ),
          ),
        /size field that is not plain octal/,
      );
    }
    malformed(
      () =>
        openTarball(
          tgzOf(fileEntry('package/a.js', 'a', { patch: [[100, '0000abc\u0000']] }), zeroBlocks(2)),
        ),
      /mode field (that is not plain octal|node-tar cannot parse)/,
    );
  });

  it('numbers node-tar cannot parse in fields pnpm ignores; positive base-256 within 2^53 is fine (identity-obj-proxy 3.0.0)', () => {
    const ok = tgzOf(
      fileEntry('package/a.js', 'a', {
        patch: [
          [108, [0x80, 0, 0, 0, 0x60, 0x3c, 0x1a, 0x0a]],
          [116, [0x80, 0, 0, 0, 0x0e, 0x6f, 0xd3, 0x2d]],
        ],
      }),
      zeroBlocks(2),
    );
    expect([...readTarball(ok, all).keys()]).toEqual(['a.js']);
    for (const [field, at, bytes] of [
      ['uid', 108, [0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
      ['gid', 116, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]],
      ['mtime', 136, [0x81]],
      ['devmajor', 329, 'x'],
      ['atime', 476, [0x90]],
    ] as const) {
      malformed(
        () =>
          openTarball(
            tgzOf(
              fileEntry('package/a.js', 'a', {
                patch: [[at, [...bytes].map((b) => (typeof b === 'string' ? b.charCodeAt(0) : b))]],
              }),
              zeroBlocks(2),
            ),
          ),
        new RegExp(`a ${field} field node-tar cannot parse`),
      );
    }
  });

  it('entry data past the end of the archive, and an archive with no end block', () => {
    malformed(
      () =>
        readTarball(
          gzipSync(tar([{ path: 'package/a', content: 'a', headerSize: 4096 }], { endBlocks: 0 })),
          all,
        ),
      /data runs past the end/,
    );
    malformed(
      () => readTarball(gzipSync(tar([{ path: 'package/a', content: 'a' }], { endBlocks: 0 })), all),
      /without an end-of-archive zero block/,
    );
  });

  it('unsafe or non-canonical names', () => {
    const cases: Array<[string, RegExp]> = [
      ['package/../../evil.js', /"\.\." segment/],
      ['./package/x.js', /"\." segment/],
      ['package//x.js', /empty segment/],
      ['/package/x.js', /absolute/],
      ['package/x.js/', /file name ends in "\/"/],
      ['package/a\u0001.js', /control character/],
      ['top-level-file', /not inside a top folder/],
    ];
    for (const [name, why] of cases)
      malformed(
        () => openTarball(tgzOf(fileEntry('package/ok.js', 'ok'), fileEntry(name, 'x'), zeroBlocks(2))),
        why,
      );
    malformed(
      () =>
        openTarball(
          tgzOf(
            fileEntry('package/ok.js', 'ok'),
            fileEntry(Uint8Array.from([0x70, 0x2f, 0xff]), 'x'),
            zeroBlocks(2),
          ),
        ),
      /not UTF-8/,
    );
    malformed(
      () => openTarball(tgzOf(fileEntry('package/a.js', 'a'), fileEntry('other/b.js', 'b'), zeroBlocks(2))),
      /top folder "other" differs from the first entry's "package"/,
    );
    malformed(
      () =>
        openTarball(tgzOf(fileEntry('package/lib', 'a'), fileEntry('package/lib/b.js', 'b'), zeroBlocks(2))),
      /"lib" is both a file and a folder/,
    );
    malformed(
      () =>
        openTarball(
          tgzOf(
            fileEntry('package/lib/a.js', 'a'),
            headerBlock({ name: 'package/lib/', type: '5' }),
            zeroBlocks(2),
          ),
        ),
      /entry "package\/lib\/" \(header at byte 1024\): a directory entry for a folder that earlier entries already created/,
    );
    malformed(
      () =>
        openTarball(
          tgzOf(
            headerBlock({ name: 'package/lib/', type: '5' }),
            headerBlock({ name: 'package/lib/', type: '5' }),
            zeroBlocks(2),
          ),
        ),
      /a second entry with the same path/,
    );
    malformed(
      () =>
        openTarball(
          tgzOf(
            fileEntry('package/caf\u00e9.js', 'a'),
            fileEntry('package/cafe\u0301.js', 'b'),
            zeroBlocks(2),
          ),
        ),
      /collides with "caf\u00e9\.js"/,
    );
  });

  it('every entry type other than files and directories', () => {
    for (const [type, why] of [
      ['1', /hard link/],
      ['2', /symbolic link/],
      ['7', /contiguous file/],
      ['K', /GNU long link name/],
      ['3', /entry type "3"/],
      ['S', /entry type "S"/],
    ] as const) {
      malformed(
        () =>
          openTarball(
            tgzOf(
              headerBlock({
                name: 'package/x',
                type,
                ...(type === '1' || type === '2' ? { linkname: 'package/y' } : {}),
              }),
              zeroBlocks(2),
            ),
          ),
        why,
      );
    }
  });

  it('pax headers that are not exact length-prefixed records, or set keys extractors treat differently', () => {
    for (const data of [
      'not a record\n',
      '99 path=x\n',
      '12 path=x\n',
      '9 =x\n',
      '07 a=b\n',
      '15 path=a\nb/c\n',
      '12 path=a\u0000\n',
    ]) {
      malformed(
        () =>
          readTarball(
            tgz([
              { path: 'p', type: 'x', content: data },
              { path: 'package/a', content: 'a' },
            ]),
            all,
          ),
        /pax (record|header)/,
      );
    }
    for (const key of ['linkpath', 'hdrcharset', 'GNU.sparse.size']) {
      malformed(
        () => openTarball(tgzOf(paxHeader([[key, '1']]), fileEntry('package/a', 'a'), zeroBlocks(2))),
        new RegExp(`pax header sets "${key}"`),
      );
    }
    malformed(
      () =>
        openTarball(
          tgzOf(
            paxHeader([
              ['path', 'package/a'],
              ['path', 'package/b'],
            ]),
            fileEntry('package/a', 'a'),
            zeroBlocks(2),
          ),
        ),
      /sets "path" twice/,
    );
    malformed(
      () => openTarball(tgzOf(paxHeader([['size', '1e3']]), fileEntry('package/a', 'a'), zeroBlocks(2))),
      /pax size "1e3"/,
    );
    const ok = tgz([
      { path: 'p', type: 'x', content: paxRecord('path', 'package/renamed.js') },
      { path: 'package/a', content: 'a' },
    ]);
    expect([...readTarball(ok, all).keys()]).toEqual(['renamed.js']);
  });

  it('a global pax header that sets anything but a comment', () => {
    for (const key of ['path', 'linkpath', 'size', 'mode', 'uid']) {
      malformed(
        () => openTarball(tgzOf(paxHeader([[key, '1']], 'g'), fileEntry('package/a', 'a'), zeroBlocks(2))),
        new RegExp(`global pax header sets "${key}"`),
      );
    }
  });

  it('stacked extended headers, an extended header before a non-entry, and one with no entry after it', () => {
    malformed(
      () =>
        openTarball(
          tgzOf(
            gnuLongName('package/a'),
            gnuLongName('package/b'),
            fileEntry('package/c', 'c'),
            zeroBlocks(2),
          ),
        ),
      /two extended headers/,
    );
    malformed(
      () =>
        openTarball(
          tgzOf(
            paxHeader([['path', 'package/a']]),
            paxHeader([['comment', 'x']], 'g'),
            fileEntry('package/c', 'c'),
            zeroBlocks(2),
          ),
        ),
      /two extended headers/,
    );
    malformed(
      () =>
        openTarball(
          tgzOf(
            gnuLongName('package/a'),
            headerBlock({ name: 'package/x', type: '2', linkname: 'y' }),
            zeroBlocks(2),
          ),
        ),
      /entry "package\/a" \(header at byte 0\): a symbolic link/,
    );
    malformed(
      () =>
        readTarball(
          tgz([
            { path: 'package/a', content: 'a' },
            { path: 'L', type: 'L', content: 'package/x\0' },
          ]),
          all,
        ),
      /extended header with no entry/,
    );
    malformed(
      () =>
        openTarball(tgzOf(gnuLongName('package/a\u0000junk'), fileEntry('package/c', 'c'), zeroBlocks(2))),
      /GNU long name has bytes after its NUL/,
    );
  });

  it('a header that starts with a NUL byte but is not a zero block', () => {
    malformed(
      () =>
        openTarball(
          tgzOf(
            fileEntry('package/a', 'a'),
            fileEntry('package/b', 'b', { patch: [[0, [0]]] }),
            zeroBlocks(2),
          ),
        ),
      /header at byte 1024\): a header starts with a NUL byte but is not a zero block/,
    );
  });
});

/**
 * The catalogue of hostile archive shapes: tarballs whose hidden package.json (with a postinstall)
 * some extractor reads while another reader sees only the benign one. Each shape is built from a
 * payload, so the same shapes drive the unit tests, the differential test against pnpm 10's and
 * Yarn 4's extraction code, and the end-to-end installs (e2e/tar). Each records why the canonical
 * reader refuses it; shared/core/docs/tar-extraction.md explains what each extractor does.
 */
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

export interface HostilePayload {
  /** package.json without install scripts. */
  readonly benign: string;
  /** package.json whose postinstall runs install.js. */
  readonly hidden: string;
  /** The script the hidden postinstall runs. */
  readonly installJs: string;
}

export interface HostileShape {
  readonly id: string;
  readonly description: string;
  /** What the canonical reader says when it refuses the shape. */
  readonly refusal: RegExp;
  readonly build: (p: HostilePayload) => Uint8Array;
}

const end = (): Uint8Array => zeroBlocks(2);
const benign = (p: HostilePayload): Uint8Array => fileEntry('package/package.json', p.benign);
const install = (p: HostilePayload): Uint8Array => fileEntry('package/install.js', p.installJs);
/** The hidden manifest as a complete entry (header + data), to embed inside another entry's data. */
const embedded = (p: HostilePayload): Uint8Array => fileEntry('package/package.json', p.hidden);

/** A 12-byte GNU base-256 size field. */
function base256(n: number): number[] {
  const out = new Array<number>(12).fill(0);
  out[0] = 0x80;
  for (let i = 11, v = n; i > 0 && v > 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

export const HOSTILE_SHAPES: readonly HostileShape[] = [
  {
    id: 'backslash-top-folder',
    description: 'a second manifest named package\\package.json',
    refusal: /backslash/,
    build: (p) => tgzOf(benign(p), install(p), fileEntry('package\\package.json', p.hidden), end()),
  },
  {
    id: 'pax-path-without-top-folder',
    description: 'a pax path "package.json" with no top folder',
    refusal: /not inside a top folder/,
    build: (p) =>
      tgzOf(
        benign(p),
        install(p),
        paxHeader([['path', 'package.json']]),
        fileEntry('package/notes.txt', p.hidden),
        end(),
      ),
  },
  {
    id: 'gnu-long-name-without-top-folder',
    description: 'a GNU long name "package.json" with no top folder',
    refusal: /not inside a top folder/,
    build: (p) =>
      tgzOf(
        benign(p),
        install(p),
        gnuLongName('package.json'),
        fileEntry('package/notes.txt', p.hidden),
        end(),
      ),
  },
  {
    id: 'pax-path-and-gnu-long-name',
    description: 'a pax path and a GNU long name on one entry',
    refusal: /two extended headers for one entry/,
    build: (p) =>
      tgzOf(
        benign(p),
        install(p),
        paxHeader([['path', 'package/notes.txt']]),
        gnuLongName('package/package.json'),
        fileEntry('package/x', p.hidden),
        end(),
      ),
  },
  {
    id: 'manifest-zero-block-manifest',
    description: 'the hidden manifest, one zero block, then the benign manifest',
    refusal: /data after the end-of-archive zero block/,
    build: (p) => tgzOf(install(p), embedded(p), zeroBlocks(1), benign(p), end()),
  },
  {
    id: 'size-with-leading-nul',
    description:
      'a size field "\\0 0000002000" (pnpm 10 reads 0, a lenient reader 1024) over an embedded manifest',
    refusal: /size field that is not plain octal/,
    build: (p) => {
      const inner = embedded(p);
      const size = `\u0000 ${inner.length.toString(8).padStart(10, '0')}`;
      return tgzOf(
        benign(p),
        install(p),
        headerBlock({ name: 'package/notes.txt', patch: [[124, size]] }),
        inner,
        end(),
      );
    },
  },
  {
    id: 'size-in-base-256',
    description: 'a base-256 size (node-tar skips the data, pnpm 10 reads it as headers)',
    refusal: /base-256 size/,
    build: (p) => {
      const inner = embedded(p);
      return tgzOf(
        benign(p),
        install(p),
        headerBlock({ name: 'package/notes.txt', patch: [[124, base256(inner.length)]] }),
        inner,
        end(),
      );
    },
  },
  {
    id: 'prefix-without-ustar-magic',
    description: 'GNU magic with "package" in the prefix field and "package.json" as the name',
    refusal: /prefix field but no POSIX ustar magic/,
    build: (p) =>
      tgzOf(
        benign(p),
        install(p),
        concat(
          headerBlock({ name: 'package.json', magic: 'gnu', prefix: 'package', size: byteLength(p.hidden) }),
          dataBlocks(p.hidden),
        ),
        end(),
      ),
  },
  {
    id: 'name-bytes-after-nul',
    description: 'the name field "p\\0\\n/package.json" (pnpm reads "p", node-tar "p\\n/package.json")',
    refusal: /bytes after its NUL terminator/,
    build: (p) =>
      tgzOf(
        benign(p),
        install(p),
        concat(
          headerBlock({ name: 'p\u0000\n/package.json', size: byteLength(p.hidden) }),
          dataBlocks(p.hidden),
        ),
        end(),
      ),
  },
  {
    id: 'link-name-on-a-file',
    description: 'a regular file with a link name, whose data is an embedded manifest entry',
    refusal: /link name on an entry that is not a link/,
    build: (p) => {
      const inner = embedded(p);
      return tgzOf(
        benign(p),
        install(p),
        headerBlock({ name: 'package/notes.txt', size: inner.length, linkname: 'x' }),
        inner,
        end(),
      );
    },
  },
  {
    id: 'checksum-without-terminator',
    description: 'a checksum field of 8 octal digits (node-tar reads on into the type flag)',
    refusal: /checksum field is not a terminated octal number/,
    build: (p) => {
      const inner = embedded(p);
      return tgzOf(
        benign(p),
        install(p),
        headerBlock({ name: 'package/notes.txt', size: inner.length, checksum: 'unterminated' }),
        inner,
        end(),
      );
    },
  },
  {
    id: 'dot-slash-top-folder',
    description: 'the hidden manifest as ./package/package.json',
    refusal: /"\." segment/,
    build: (p) => tgzOf(benign(p), install(p), fileEntry('./package/package.json', p.hidden), end()),
  },
  {
    id: 'symlinked-manifest',
    description: 'package.json as a symbolic link to the hidden manifest',
    refusal: /symbolic link/,
    build: (p) =>
      tgzOf(
        install(p),
        fileEntry('package/lib/manifest.json', p.hidden),
        headerBlock({ name: 'package/package.json', type: '2', linkname: 'lib/manifest.json' }),
        end(),
      ),
  },
  {
    id: 'hard-link-with-data',
    description: 'package.json as a hard link to the benign manifest, carrying the hidden one as its data',
    refusal: /hard link/,
    build: (p) =>
      tgzOf(
        install(p),
        fileEntry('package/lib/benign.json', p.benign),
        concat(
          headerBlock({
            name: 'package/package.json',
            type: '1',
            linkname: 'package/lib/benign.json',
            size: byteLength(p.hidden),
          }),
          dataBlocks(p.hidden),
        ),
        end(),
      ),
  },
  {
    id: 'duplicate-manifest',
    description: 'the benign manifest, then the hidden one at the same path',
    refusal: /a second entry with the same path/,
    build: (p) => tgzOf(benign(p), install(p), embedded(p), end()),
  },
  {
    id: 'case-variant-manifest',
    description: 'the hidden manifest as Package.json beside package.json',
    refusal: /collides with "package\.json" on case-insensitive file systems/,
    build: (p) => tgzOf(benign(p), install(p), fileEntry('package/Package.json', p.hidden), end()),
  },
  {
    id: 'data-after-end-of-archive',
    description: 'the hidden manifest after the two end-of-archive zero blocks',
    refusal: /data after the end-of-archive zero block/,
    build: (p) => tgzOf(benign(p), install(p), end(), embedded(p), end()),
  },
  {
    id: 'pax-linkpath-on-a-file',
    description: 'a pax linkpath on a regular file whose data is an embedded manifest entry',
    refusal: /pax header sets "linkpath"/,
    build: (p) => {
      const inner = embedded(p);
      return tgzOf(
        benign(p),
        install(p),
        paxHeader([['linkpath', 'x']]),
        headerBlock({ name: 'package/notes.txt', size: inner.length }),
        inner,
        end(),
      );
    },
  },
  {
    id: 'directory-with-data',
    description:
      'a directory entry whose data is an embedded manifest entry (node-tar skips no data for directories)',
    refusal: /a directory with 1024 bytes of data/,
    build: (p) => {
      const inner = embedded(p);
      return tgzOf(
        benign(p),
        install(p),
        headerBlock({ name: 'package/lib/', type: '5', size: inner.length }),
        inner,
        end(),
      );
    },
  },
  {
    id: 'uid-beyond-2-pow-53',
    description:
      'a base-256 uid too large for node-tar, which then skips the header and reads its data (an embedded manifest) as headers',
    refusal: /a uid field node-tar cannot parse/,
    build: (p) => {
      const inner = embedded(p);
      return tgzOf(
        benign(p),
        install(p),
        headerBlock({
          name: 'package/notes.txt',
          size: inner.length,
          patch: [[108, [0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]],
        }),
        inner,
        end(),
      );
    },
  },
  {
    id: 'pax-path-with-ustar-prefix',
    description: 'a pax path "package.json" on a header whose ustar prefix is "package"',
    refusal: /a long name \(pax path or GNU long name\) and a ustar prefix on one entry/,
    build: (p) =>
      tgzOf(
        benign(p),
        install(p),
        paxHeader([['path', 'package.json']]),
        concat(
          headerBlock({ name: 'notes.txt', prefix: 'package', size: byteLength(p.hidden) }),
          dataBlocks(p.hidden),
        ),
        end(),
      ),
  },
];

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

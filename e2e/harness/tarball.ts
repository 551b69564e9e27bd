/**
 * Deterministic npm tarballs for fixture packages: a ustar archive (POSIX.1-1988 "ustar" header
 * layout, as `npm pack` writes through node-tar) gzipped with node:zlib. Same input, same bytes:
 * entries sorted by path, one fixed mtime, fixed owner and modes, no directory entries (npm's own
 * tarballs carry none either).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** npm pack's fixed mtime (1985-10-26T08:15:00Z), so rebuilt tarballs are byte-identical. */
const FIXED_MTIME_SECONDS = 499162500;
const BLOCK = 512;

export interface PackTarballOptions {
  /** Directory every entry sits under; npm uses `package`. Empty string: no prefix. */
  readonly root?: string;
}

/**
 * Builds a gzipped tar of `files` (path -> contents). Paths use `/`, are relative, and are
 * placed under `package/` unless `opts.root` says otherwise.
 */
export function packTarball(
  files: Readonly<Record<string, string | Uint8Array>>,
  opts: PackTarballOptions = {},
): Buffer {
  const root = opts.root ?? 'package';
  const blocks: Buffer[] = [];
  for (const name of Object.keys(files).sort()) {
    const content = files[name];
    if (content === undefined) continue;
    if (name.startsWith('/') || name.split('/').includes('..')) {
      throw new Error(`packTarball: unsafe entry path ${JSON.stringify(name)}`);
    }
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const entryPath = root === '' ? name : `${root}/${name}`;
    blocks.push(ustarHeader(entryPath, data.length));
    blocks.push(data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad > 0) blocks.push(Buffer.alloc(pad));
  }
  // End of archive: two zero blocks (POSIX.1 ustar).
  blocks.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}

/** Subresource Integrity string of the bytes as npm writes it in `dist.integrity` (W3C SRI, sha512). */
export function sri(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** Legacy `dist.shasum`: hex sha1 of the tarball bytes. */
export function shasum(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** One 512-byte ustar header for a regular file (typeflag '0'). */
function ustarHeader(entryPath: string, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  const [prefix, name] = splitUstarPath(entryPath);
  writeString(header, name, 0, 100);
  writeOctal(header, 0o644, 100, 8); // mode
  writeOctal(header, 0, 108, 8); // uid
  writeOctal(header, 0, 116, 8); // gid
  writeOctal(header, size, 124, 12);
  writeOctal(header, FIXED_MTIME_SECONDS, 136, 12);
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  header.write('0', 156, 'ascii'); // typeflag: regular file
  writeString(header, 'ustar\0', 257, 6); // magic
  writeString(header, '00', 263, 2); // version
  writeString(header, prefix, 345, 155);
  let sum = 0;
  for (const byte of header) sum += byte;
  // Checksum: six octal digits, NUL, space.
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** ustar stores paths over 100 bytes as prefix (<=155) + '/' + name (<=100), split at a slash. */
function splitUstarPath(entryPath: string): [string, string] {
  if (Buffer.byteLength(entryPath) <= 100) return ['', entryPath];
  for (let i = entryPath.lastIndexOf('/'); i > 0; i = entryPath.lastIndexOf('/', i - 1)) {
    const prefix = entryPath.slice(0, i);
    const name = entryPath.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`packTarball: path too long for ustar: ${entryPath}`);
}

function writeString(buf: Buffer, value: string, offset: number, length: number): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`packTarball: field too long: ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, value: number, offset: number, length: number): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  if (digits.length > length - 1) throw new Error(`packTarball: number too large: ${value}`);
  buf.write(`${digits}\0`, offset, 'ascii');
}

/**
 * A tiny tar writer for test fixtures: ustar headers, plus pax (`x`) and GNU (`L`) long names.
 * Written from the POSIX ustar/pax description, just enough to build hostile and normal archives.
 */
import { gzipSync } from 'node:zlib';

export interface TarFixtureEntry {
  path: string;
  /** File (or x/g/L header) contents (string: UTF-8). Ignored for other types. */
  content?: string | Uint8Array;
  /** Typeflag character: '0' (default), '1', '2', '5', ... */
  type?: string;
  linkname?: string;
  /** How to store a long path: 'pax' (x header), 'gnu' (L header) or 'prefix' (ustar prefix field). */
  longName?: 'pax' | 'gnu' | 'prefix';
  /** Corrupt the header checksum. */
  badChecksum?: boolean;
  /** Override the size written in the header. */
  headerSize?: number;
}

const enc = new TextEncoder();

function put(block: Uint8Array, at: number, len: number, text: string): void {
  const bytes = enc.encode(text);
  if (bytes.length > len) throw new Error(`tarWriter: ${JSON.stringify(text)} does not fit in ${len} bytes`);
  block.set(bytes, at);
}

function octal(value: number, len: number): string {
  return `${value.toString(8).padStart(len - 1, '0')}\0`;
}

function header(opts: {
  name: string;
  prefix?: string;
  size: number;
  type: string;
  linkname?: string;
  badChecksum?: boolean;
}): Uint8Array {
  const h = new Uint8Array(512);
  put(h, 0, 100, opts.name);
  put(h, 100, 8, octal(0o644, 8));
  put(h, 108, 8, octal(0, 8));
  put(h, 116, 8, octal(0, 8));
  put(h, 124, 12, octal(opts.size, 12));
  put(h, 136, 12, octal(1700000000, 12));
  put(h, 156, 1, opts.type);
  if (opts.linkname !== undefined) put(h, 157, 100, opts.linkname);
  put(h, 257, 6, 'ustar\0');
  put(h, 263, 2, '00');
  if (opts.prefix !== undefined) put(h, 345, 155, opts.prefix);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  if (opts.badChecksum === true) sum += 1;
  put(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

function padded(data: Uint8Array): Uint8Array[] {
  const pad = (512 - (data.length % 512)) % 512;
  return [data, new Uint8Array(pad)];
}

export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = enc.encode(body).length;
  // The length counts its own digits: iterate to the fixed point.
  let len = bodyLength + 1;
  while (len !== bodyLength + String(len).length) len = bodyLength + String(len).length;
  return `${len}${body}`;
}

/** An uncompressed tar archive (ending in two zero blocks). */
export function tar(entries: TarFixtureEntry[], opts: { endBlocks?: number } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const type = e.type ?? '0';
    const hasData = type === '0' || type === 'x' || type === 'g' || type === 'L';
    const content = hasData
      ? typeof e.content === 'string'
        ? enc.encode(e.content)
        : (e.content ?? new Uint8Array(0))
      : new Uint8Array(0);
    let name = e.path;
    let prefix: string | undefined;
    if (e.longName === 'pax') {
      const data = enc.encode(paxRecord('path', e.path));
      parts.push(header({ name: 'PaxHeader/long', size: data.length, type: 'x' }), ...padded(data));
      name = e.path.slice(0, 99);
    } else if (e.longName === 'gnu') {
      const data = enc.encode(`${e.path}\0`);
      parts.push(header({ name: '././@LongLink', size: data.length, type: 'L' }), ...padded(data));
      name = e.path.slice(0, 99);
    } else if (e.longName === 'prefix') {
      const cut = e.path.lastIndexOf('/');
      prefix = e.path.slice(0, cut);
      name = e.path.slice(cut + 1);
    }
    parts.push(
      header({
        name,
        ...(prefix === undefined ? {} : { prefix }),
        size: e.headerSize ?? content.length,
        type,
        ...(e.linkname === undefined ? {} : { linkname: e.linkname }),
        ...(e.badChecksum === undefined ? {} : { badChecksum: e.badChecksum }),
      }),
      ...padded(content),
    );
  }
  for (let i = 0; i < (opts.endBlocks ?? 2); i++) parts.push(new Uint8Array(512));
  return Buffer.concat(parts);
}

/** A gzipped tarball. */
export function tgz(entries: TarFixtureEntry[], opts: { endBlocks?: number } = {}): Uint8Array {
  return gzipSync(tar(entries, opts));
}

/** A gzipped npm-style package: every file under `<root>/` (default `package/`). */
export function pkg(files: Record<string, string | Uint8Array>, root = 'package'): Uint8Array {
  return tgz(Object.entries(files).map(([path, content]) => ({ path: `${root}/${path}`, content })));
}

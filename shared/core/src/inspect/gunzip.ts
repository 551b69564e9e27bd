/**
 * Inflating a package tarball (.tgz), bounded, in memory. Every gzip member is inflated (pnpm and
 * Yarn both do). After the last member only zero bytes may follow: Node's zlib (pnpm) and minizlib
 * (Yarn) both ignore trailing zeros (npm's first tarballs, e.g. debug 0.0.1, are padded with zeros to
 * a 10240-byte record) and both fail on other trailing bytes.
 */
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';
import type { SumgateError } from '../errors.js';
import { malformed } from './malformed.js';

/** Largest uncompressed archive we accept (npm's own limit for a published package is far lower). */
export const MAX_TAR_BYTES = 512 * 1024 * 1024;

interface Inflated {
  buffer: Buffer;
  engine: { bytesWritten: number };
}

/** Gunzips a .tgz (all gzip members), bounded by `maxBytes` (default {@link MAX_TAR_BYTES}). */
export function gunzipTarball(tgz: Uint8Array, maxBytes: number = MAX_TAR_BYTES): Uint8Array {
  checkGzipMagic(tgz);
  let out: Inflated;
  try {
    out = gunzipSync(tgz, { ...gunzipOptions(tgz, maxBytes), info: true }) as unknown as Inflated;
  } catch (e) {
    throw gunzipError(e, maxBytes);
  }
  return checkConsumed(out, tgz);
}

/**
 * The same, off the main thread (zlib's thread pool): package managers fetch many packages at
 * once, so a host's event loop keeps downloading while tarballs inflate.
 */
export async function gunzipTarballAsync(
  tgz: Uint8Array,
  maxBytes: number = MAX_TAR_BYTES,
): Promise<Uint8Array> {
  checkGzipMagic(tgz);
  let out: Inflated;
  try {
    out = await gunzipAsync(tgz, { ...gunzipOptions(tgz, maxBytes), info: true });
  } catch (e) {
    throw gunzipError(e, maxBytes);
  }
  return checkConsumed(out, tgz);
}

const gunzipAsync = promisify(gunzip) as unknown as (
  buf: Uint8Array,
  opts: ZlibOptions & { info: true },
) => Promise<Inflated>;

function checkGzipMagic(tgz: Uint8Array): void {
  if (tgz.length < 2 || tgz[0] !== 0x1f || tgz[1] !== 0x8b) {
    throw malformed('not gzip data (missing the 1f 8b magic bytes)');
  }
}

function checkConsumed(out: Inflated, tgz: Uint8Array): Uint8Array {
  const used = out.engine.bytesWritten;
  for (let i = used; i < tgz.length; i++) {
    if (tgz[i] !== 0)
      throw malformed(`${tgz.length - used} bytes after the end of the gzip data, not all zero`);
  }
  return out.buffer;
}

function gunzipOptions(tgz: Uint8Array, maxBytes: number): ZlibOptions {
  // Output chunks sized to the expected output (npm tarballs inflate ~4x): with the 16 KiB
  // default, a 5 MB tarball takes twice as long, mostly spent growing and joining chunks.
  return { maxOutputLength: maxBytes, chunkSize: Math.min(8 << 20, Math.max(64 << 10, tgz.length * 4)) };
}

function gunzipError(e: unknown, maxBytes: number): SumgateError {
  const code = (e as { code?: unknown }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
    return malformed(`uncompressed size exceeds ${maxBytes} bytes`);
  return malformed(`gzip stream is corrupt (${(e as Error).message})`);
}

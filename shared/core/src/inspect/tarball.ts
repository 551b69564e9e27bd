/**
 * Reads npm package tarballs (.tgz) in memory, without extracting anything to disk, through the
 * canonical reader ({@link indexTar}): an archive is read only when every package manager would
 * extract the same files from it (shared/core/docs/tar-extraction.md). Every byte here is
 * attacker-controlled; whatever is ambiguous is refused with MALFORMED_TARBALL.
 */
import { gunzipTarball, gunzipTarballAsync } from './gunzip.js';
import { indexTar } from './tarReader.js';
import type { TarEntry } from './tarReader.js';

export { gunzipTarball, gunzipTarballAsync, MAX_TAR_BYTES } from './gunzip.js';
export { packagePath } from './entryPath.js';
export { indexTar } from './tarReader.js';
export type { TarEntry, TarEntryType } from './tarReader.js';

/** An opened tarball: its uncompressed bytes and an index of its entries. */
export class Tarball {
  readonly tar: Uint8Array;
  readonly entries: ReadonlyMap<string, TarEntry>;

  constructor(tar: Uint8Array) {
    this.tar = tar;
    this.entries = indexTar(tar);
  }

  /** The regular file at a package path, or undefined (links are never accepted, so there is nothing to follow). */
  fileEntry(path: string): TarEntry | undefined {
    const entry = this.entries.get(path);
    return entry?.type === 'file' ? entry : undefined;
  }

  /** Contents of the regular file at `path` (a view into {@link tar}, not a copy). */
  read(path: string): Uint8Array | undefined {
    const entry = this.fileEntry(path);
    return entry === undefined ? undefined : this.tar.subarray(entry.offset, entry.offset + entry.size);
  }
}

/** Gunzips and indexes a .tgz. Throws SumgateError('MALFORMED_TARBALL'). */
export function openTarball(tgz: Uint8Array): Tarball {
  return new Tarball(gunzipTarball(tgz));
}

/** {@link openTarball}, inflating off the main thread. */
export async function openTarballAsync(tgz: Uint8Array): Promise<Tarball> {
  return new Tarball(await gunzipTarballAsync(tgz));
}

/** Every entry of a .tgz, in archive order. */
export function listTarball(tgz: Uint8Array): TarEntry[] {
  return [...openTarball(tgz).entries.values()];
}

/** The wanted regular files of a .tgz, keyed by path relative to the package root (views into one buffer). */
export function readTarball(tgz: Uint8Array, want: (path: string) => boolean): Map<string, Uint8Array> {
  const tarball = openTarball(tgz);
  const out = new Map<string, Uint8Array>();
  for (const entry of tarball.entries.values()) {
    if (entry.type !== 'file' || !want(entry.path)) continue;
    out.set(entry.path, tarball.tar.subarray(entry.offset, entry.offset + entry.size));
  }
  return out;
}

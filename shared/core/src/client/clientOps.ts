/**
 * All I/O of the log client, the caches and the Gate, injected like Go sumdb's ClientOps
 * (golang.org/x/mod/sumdb/client.go): the network, the cache's files, and the clock. Production
 * uses `nodeClientOps`; tests pass an in-memory file system and a scripted HTTP client.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  readFileOrUndefined,
  withFileLock,
  writeFileAtomic,
  writeFileAtomicAsync,
} from '../cache/atomicFile.js';
import type { HttpClient } from '../sources/http.js';
import { nodeHttpClient } from '../sources/http.js';

export interface FileOps {
  /** The file's bytes, or undefined when it does not exist. */
  read(file: string): Buffer | undefined;
  /** Replaces a file atomically (readers see the old or the new bytes); `durable` adds an fsync. */
  write(file: string, data: string | Uint8Array, opts?: { durable?: boolean }): void;
  /**
   * The same atomic replace, not blocking the caller's thread (production: libuv's pool). Where it
   * is missing (the in-memory test file systems), entries written behind use `write`.
   */
  writeAsync?(file: string, data: string | Uint8Array): Promise<void>;
  /** Creates a file only if it does not exist yet; returns false when it already did. */
  create(file: string, data: string | Uint8Array): boolean;
  /** Runs `fn` holding a lock shared by every process using the same cache. */
  lock<T>(file: string, fn: () => T | Promise<T>): Promise<T>;
  /** The names of the entries of a directory ([] when it does not exist). */
  list(dir: string): string[];
  /** Removes a file (nothing when it does not exist). */
  remove(file: string): void;
}

export interface ClientOps {
  readonly http: HttpClient;
  readonly files: FileOps;
  /** Milliseconds since the epoch (deadlines, progress). */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const nodeFileOps: FileOps = {
  read: readFileOrUndefined,
  write: (file, data, opts) => writeFileAtomic(file, data, opts),
  writeAsync: (file, data) => writeFileAtomicAsync(file, data),
  create(file, data) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, data, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  },
  lock: (file, fn) => withFileLock(file, fn),
  list(dir) {
    try {
      return readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  },
  remove: (file) => rmSync(file, { force: true }),
};

export function nodeClientOps(http: HttpClient = nodeHttpClient): ClientOps {
  return { http, files: nodeFileOps, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
}

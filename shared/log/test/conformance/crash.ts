/**
 * Crash safety, for any backend: a log server child process is SIGKILLed in the middle of a large
 * ingestion and restarted on the same storage. Every checkpoint a client saw before the kill must be
 * consistent with the new one (RFC 9162 consistency proofs computed from the restarted server's
 * tiles), and every entry acknowledged before the kill (covered by a published checkpoint) must
 * still be there, at the index the log gave it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import {
  checkConsistency,
  type Checkpoint,
  decodeEntryBundle,
  entriesPath,
  hashEqual,
  openCheckpoint,
  parseVerifierKey,
  proveConsistency,
  recordHash,
  TILE_WIDTH,
  TileHashReader,
  tilePath,
  tilesForSize,
  treeHash,
} from '@sumgate/core';
import { fakeRecordText } from '../records.js';
import type { TestLogHandle } from './backends.js';

const pkgDir = resolve(__dirname, '../..');
let serveMain: string | undefined;

/**
 * The child runs the server from a bundle of the current sources (tsup is the repo's bundler),
 * written under the package's node_modules so that its dependencies (postgres) resolve.
 */
export function buildServeMain(): string {
  if (serveMain !== undefined) return serveMain;
  const base = join(pkgDir, 'node_modules', '.cache');
  mkdirSync(base, { recursive: true });
  const out = mkdtempSync(join(base, 'sumgate-log-build-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  execFileSync(
    resolve(pkgDir, '../../node_modules/.bin/tsup'),
    ['--config', 'test/serveMain.tsup.config.ts', '--out-dir', out],
    {
      cwd: pkgDir,
      stdio: 'pipe',
    },
  );
  serveMain = join(out, 'serveMain.js');
  return serveMain;
}

export async function startChild(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [buildServeMain(), 'serve', ...args, '--port', '0', '--allow-direct-append', '--batch-delay-ms', '2'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m !== null) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`log server exited (${code}): ${err}`)));
  });
  return { child, url };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function crashScenario(log: TestLogHandle): Promise<void> {
  {
    const verifier = parseVerifierKey(log.vkey);
    const start = () => startChild(log.serveArgs);
    const open = (note: string): Checkpoint => openCheckpoint(note, verifier).checkpoint;

    const first = await start();
    const acked = new Map<number, string>();
    const seen: Checkpoint[] = [];
    let next = 0;
    let stop = false;
    const writer = async (): Promise<void> => {
      while (!stop) {
        const records = Array.from({ length: 100 }, () => fakeRecordText(next++));
        try {
          const res = await fetch(`${first.url}/add`, { method: 'POST', body: JSON.stringify({ records }) });
          const body = (await res.json()) as { entries: Array<{ index: number }>; checkpoint: string };
          for (const [i, e] of body.entries.entries()) acked.set(e.index, records[i]!);
          seen.push(open(body.checkpoint));
        } catch {
          return; // the server was killed
        }
      }
    };
    const poller = async (): Promise<void> => {
      while (!stop) {
        try {
          seen.push(open(await (await fetch(`${first.url}/checkpoint`)).text()));
        } catch {
          return;
        }
        await sleep(3);
      }
    };
    const running = [...Array.from({ length: 8 }, writer), poller()];
    const t0 = Date.now();
    while (acked.size < 20_000 && Date.now() - t0 < 8_000) await sleep(20);
    first.child.kill('SIGKILL'); // mid-stream: 8 writers have requests in flight
    stop = true;
    await Promise.all(running);
    await new Promise((r) =>
      first.child.exitCode !== null || first.child.signalCode !== null
        ? r(undefined)
        : first.child.once('exit', r),
    );
    expect(first.child.signalCode).toBe('SIGKILL');
    log.crashStorage?.(); // the database server crashes as well: only committed transactions survive
    expect(acked.size).toBeGreaterThan(1000);

    const second = await start();
    try {
      const cp = open(await (await fetch(`${second.url}/checkpoint`)).text());
      const maxSeen = Math.max(...seen.map((c) => c.size));
      expect(cp.size).toBeGreaterThanOrEqual(maxSeen);
      expect(cp.size).toBeGreaterThan(Math.max(...acked.keys()));

      // Every hash tile of the new tree, fetched once; the tree they describe has the signed root.
      const tiles = new Map<string, Uint8Array>();
      await Promise.all(
        tilesForSize(cp.size).map(async (t) =>
          tiles.set(
            tilePath(t),
            new Uint8Array(await (await fetch(`${second.url}/${tilePath(t)}`)).arrayBuffer()),
          ),
        ),
      );
      const read = new TileHashReader(cp.size, (t) => tiles.get(tilePath(t))).read;
      expect(hashEqual(treeHash(cp.size, read), cp.root)).toBe(true);

      // Every checkpoint seen before the kill is a prefix of the new tree.
      const distinct = new Map(seen.map((c) => [c.size, c]));
      for (const old of distinct.values()) {
        if (old.size === 0) continue;
        checkConsistency(proveConsistency(old.size, cp.size, read), old.size, old.root, cp.size, cp.root);
      }

      // Every acknowledged entry is where the log said it was, and hashes to the tiled leaf.
      for (let n = 0; n * TILE_WIDTH < cp.size; n++) {
        const width = Math.min(TILE_WIDTH, cp.size - n * TILE_WIDTH);
        const bundle = decodeEntryBundle(
          new Uint8Array(await (await fetch(`${second.url}/${entriesPath(n, width)}`)).arrayBuffer()),
          width,
        );
        bundle.forEach((entry, i) => {
          const index = n * TILE_WIDTH + i;
          expect(hashEqual(recordHash(entry), read(0, index))).toBe(true);
          const want = acked.get(index);
          if (want !== undefined) expect(Buffer.from(entry).toString('utf8')).toBe(want);
        });
      }

      // The restarted log keeps appending consistently.
      const res = await fetch(`${second.url}/add`, {
        method: 'POST',
        body: JSON.stringify({ records: [fakeRecordText(next + 1)] }),
      });
      const after = open(((await res.json()) as { checkpoint: string }).checkpoint);
      expect(after.size).toBe(cp.size + 1);
    } finally {
      second.child.kill('SIGTERM');
      const code = await new Promise((r) => second.child.once('exit', (c) => r(c)));
      expect(code).toBe(0); // clean shutdown on SIGTERM
    }
  }
}

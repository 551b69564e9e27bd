/**
 * The Gate and its LogClient over injected I/O (an in-memory cache, a scripted network in front of
 * a real log server and registry on 127.0.0.1), against one table of faults. Each row sets up a
 * warm machine, breaks one thing, and states the one outcome that is right: the error code and
 * its tier, whether fork evidence was saved, and what the message must name.
 */
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodePack, encodePack } from '../../src/cache/factsCache.js';
import { isSumgateError } from '../../src/errors.js';
import type { SumgateCode } from '../../src/errors.js';
import {
  formatCheckpoint,
  generateKeyPair,
  parseCheckpoint,
  parseSignerKey,
  signNote,
} from '../../src/tlog/index.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeHttpClient } from '../../src/sources/http.js';
import { parseNote } from '../../src/tlog/note.js';
import { MemoryFiles, Network, project, Registry, removeTempDirs, reset, startLog, status } from './world.js';
import type { TestLog } from './world.js';

let registry: Registry;
let log: TestLog;
let files: MemoryFiles;
let net: Network;
let said: string[];
let started = 0;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  registry = await new Registry().start();
  registry.add('plain', '1.0.0');
  registry.add('other', '1.0.0');
  registry.add('late', '1.0.0');
  for (const n of ['rollback', 'stale', 'fresh']) registry.add(n, '1.0.0');
  registry.add('hooked', '1.0.0', { scripts: { postinstall: 'node install.js' } });
  registry.add('hooked', '1.1.0', { scripts: { postinstall: 'node install.js' } });
  log = await startLog(registry.url);
});
afterAll(async () => {
  for (const c of closers) await c();
  await log.close();
  await registry.close();
  removeTempDirs();
});
beforeEach(() => {
  files = new MemoryFiles();
  net = new Network();
  said = [];
});

const locked = (name: string, version = '1.0.0') => ({
  name,
  version,
  integrity: registry.integrityOf(name, version),
});
const policy = (over: Record<string, unknown> = {}, logOver: Record<string, unknown> = {}) => ({
  sources: [{ name: 'fixture', url: registry.url }],
  log: { url: log.url, vkeys: [log.vkey], timeoutMs: 5000, ...logOver },
  ...over,
});
const gateOn = (p = policy()) => project(p).open(files, net, said);
/** A machine that installed `plain` (and remembers the log's checkpoint then), then the log grew. */
async function warm(pkgs = [locked('plain')]): Promise<void> {
  const r = await gateOn().checkLocked(pkgs);
  expect(r.fromMemo).toBe(false);
}
const evidence = () => files.matching(/\/evidence\//);
const latestFile = () => files.matching(/\/logs\/[^/]+\/latest$/)[0]!;
const tileFault = (code: number | 'reset') => (u: URL) =>
  u.pathname.includes('/tile/') ? (code === 'reset' ? reset() : status(code, 'unavailable')) : undefined;

interface FaultRow {
  readonly fault: string;
  readonly arrange: () => Promise<void>;
  readonly act: () => Promise<unknown>;
  readonly code: SumgateCode;
  readonly evidence: boolean;
  /** The message (or the fix) must say this. */
  readonly names?: RegExp;
  readonly after?: () => Promise<void> | void;
}

const FAULTS: FaultRow[] = [
  {
    fault:
      'the packument fails (every source 503) for a version whose install code needs its previous version',
    arrange: async () => {
      await log.ingest('hooked', '1.1.0');
      net.faults.push((u) => (u.pathname === '/hooked' ? status(503, 'down') : undefined));
    },
    act: () => gateOn().checkLocked([locked('hooked', '1.1.0')]),
    code: 'SOURCE_FAILED',
    evidence: false,
    names: /hooked: could not fetch its metadata/,
    after: async () => {
      // nothing that failed was cached: no metadata, no previous, and with the network back it passes
      const entry = files
        .matching(/\/facts\/v4\/.*\.pack$/)
        .flatMap((f) => [...(decodePack(files.read(f)!) as Map<string, string>).values()])
        .map((json) => JSON.parse(json) as Record<string, unknown>);
      expect(entry.length).toBeGreaterThan(0);
      expect(entry.every((e) => e.metadata === undefined && e.previous === undefined)).toBe(true);
      net.faults = [];
      const v = await gateOn().verifyLocked([locked('hooked', '1.1.0')]);
      expect(v[0]?.decision, v[0]?.problems.map((p) => p.message).join()).toBe('verified');
      expect(v[0]?.previous?.version).toBe('1.0.0');
    },
  },
  {
    fault: 'a 503 during a consistency proof',
    arrange: async () => {
      await warm();
      await log.ingest('other', '1.0.0');
      net.faults.push(tileFault(503));
    },
    act: () => gateOn().verifyLocked([locked('other')]),
    code: 'LOG_UNREACHABLE',
    evidence: false,
    names: /HTTP 503/,
  },
  {
    fault: 'a connection reset while fetching tiles for a consistency proof',
    arrange: async () => {
      await warm();
      await log.ingest('late', '1.0.0');
      net.faults.push(tileFault('reset'));
    },
    act: () =>
      gateOn()
        .verifyLocked([locked('plain')])
        .then(() => gateOn().log.latest()),
    code: 'LOG_UNREACHABLE',
    evidence: false,
    names: /unreachable.*ECONNRESET/,
  },
  {
    fault: 'a forked log: same key, same URL, another history',
    arrange: async () => {
      await warm([locked('plain'), locked('other')]);
      const forked = await startLog(registry.url, { keyFrom: log });
      await forked.ingest('hooked', '1.0.0');
      await forked.ingest('late', '1.0.0');
      await forked.ingest('plain', '1.0.0');
      net.routes.set(new URL(log.url).host, new URL(forked.url).host);
    },
    act: () => gateOn().verifyLocked([locked('late')]),
    code: 'SECURITY_LOG_FORK',
    evidence: true,
    names: /inconsistent with the one verified earlier/,
  },
  {
    fault:
      'a forked log met by a machine upgraded from the per-origin layout (its remembered checkpoint is carried over)',
    arrange: async () => {
      await warm([locked('plain'), locked('other')]);
      const latest = files.read(latestFile())!;
      for (const f of files.matching(/\/logs\//)) files.files.delete(f);
      files.write(`/memory/sumgate-cache/logs/${encodeURIComponent('gate.test/log')}/latest`, latest);
      const forked = await startLog(registry.url, { keyFrom: log });
      await forked.ingest('late', '1.0.0');
      await forked.ingest('hooked', '1.0.0');
      await forked.ingest('plain', '1.0.0');
      net.routes.set(new URL(log.url).host, new URL(forked.url).host);
    },
    act: () => gateOn().verifyLocked([locked('late')]),
    code: 'SECURITY_LOG_FORK',
    evidence: true,
  },
  {
    fault: 'a log under another origin line with the same key (a split view)',
    arrange: async () => {
      await warm();
      const served = parseCheckpoint(parseNote(await log.checkpoint()).text);
      const foreign = signNote(formatCheckpoint({ ...served, origin: 'another.origin/log' }), [
        parseSignerKey(log.skey),
      ]);
      net.faults.push((u) =>
        u.pathname.endsWith('/proofs')
          ? {
              status: 200,
              headers: {},
              url: '',
              body: Buffer.from(
                JSON.stringify({ checkpoint: foreign, hashes: '', entries: [], missing: [], pending: [] }),
              ),
            }
          : undefined,
      );
    },
    act: () => gateOn().verifyLocked([locked('other')]),
    code: 'SECURITY_LOG_FORK',
    evidence: true,
    names: /for another origin, "another.origin\/log"/,
  },
  {
    fault: 'a tile of a tree the key signed earlier is definitively absent (404): a rollback',
    arrange: async () => {
      const older = await log.checkpoint();
      await log.ingest('rollback', '1.0.0');
      await warm([locked('rollback')]);
      net.faults.push((u) =>
        u.pathname.endsWith('/checkpoint')
          ? { status: 200, headers: {}, url: '', body: Buffer.from(older) }
          : undefined,
      );
      net.faults.push(tileFault(404));
    },
    act: () => gateOn().log.latest(),
    code: 'SECURITY_LOG_FORK',
    evidence: true,
    names: /answers 404 for tile .* it was rolled back/,
  },
  {
    fault: 'the same stale checkpoint with a 503 for the tiles proves nothing',
    arrange: async () => {
      const older = await log.checkpoint();
      await log.ingest('stale', '1.0.0');
      await warm([locked('stale')]);
      net.faults.push((u) =>
        u.pathname.endsWith('/checkpoint')
          ? { status: 200, headers: {}, url: '', body: Buffer.from(older) }
          : undefined,
      );
      net.faults.push(tileFault(503));
    },
    act: () => gateOn().log.latest(),
    code: 'LOG_UNREACHABLE',
    evidence: false,
  },
  {
    fault: 'a poisoned cache entry (another integrity under the honest proof)',
    arrange: async () => {
      await warm();
      // the forger rewrites the pack whole (its checksum is no protection: they recompute it)
      const forged = files.matching(/\/facts\/v4\/.*\.pack$/).filter((file) => {
        const pack = decodePack(files.read(file)!) as Map<string, string>;
        const json = pack.get('plain@1.0.0');
        if (json === undefined) return false;
        const e = JSON.parse(json) as { proven: { record: string } };
        e.proven.record = e.proven.record.replace(
          registry.integrityOf('plain', '1.0.0'),
          registry.integrityOf('other', '1.0.0'),
        );
        pack.set('plain@1.0.0', JSON.stringify(e));
        files.write(file, encodePack(pack));
        return true;
      });
      expect(forged.length).toBeGreaterThan(0);
      for (const m of files.matching(/verified-lockfiles/)) files.files.delete(m);
    },
    act: () =>
      gateOn().checkLocked([
        { name: 'plain', version: '1.0.0', integrity: registry.integrityOf('other', '1.0.0') },
      ]),
    code: 'LOG_MISMATCH',
    evidence: false,
    names: /disagrees with the checksum log/,
    after: () => {
      expect(said.join('\n')).toMatch(
        /refused the cache entry \/memory\/sumgate-cache\/facts\/v4\/.*\.pack for plain@1\.0\.0: its record is not proven/,
      );
    },
  },
  {
    fault: 'a poisoned verified-lockfile memo (a forged record for an unlogged tarball)',
    arrange: async () => {
      await warm();
      const [memo] = files.matching(/verified-lockfiles/);
      const doc = JSON.parse(files.read(memo!)!.toString()) as {
        entries: Record<string, { proven: { record: string } }>;
      };
      const forged = registry.integrityOf('other', '1.0.0');
      doc.entries['plain@1.0.0']!.proven.record = doc.entries['plain@1.0.0']!.proven.record.replace(
        registry.integrityOf('plain', '1.0.0'),
        forged,
      );
      const gate = gateOn();
      const forgedLock = [{ name: 'plain', version: '1.0.0', integrity: forged }];
      files.write(gate['memo'].file(gate.policy, gate.log.keys.fingerprint, forgedLock), JSON.stringify(doc));
    },
    act: () =>
      gateOn().checkLocked([
        { name: 'plain', version: '1.0.0', integrity: registry.integrityOf('other', '1.0.0') },
      ]),
    code: 'LOG_MISMATCH',
    evidence: false,
  },
  {
    fault: 'a truncated remembered checkpoint',
    arrange: async () => {
      await warm();
      await log.ingest('other', '1.0.0');
      const f = latestFile();
      files.write(f, files.read(f)!.subarray(0, 40));
    },
    act: () => gateOn().verifyLocked([locked('other')]),
    code: 'CACHE_CORRUPT',
    evidence: false,
    names: /remembered checkpoint \/memory\/sumgate-cache\/logs\/.*\/latest is damaged.*delete \/memory/s,
  },
  {
    fault: 'a wrong log.vkeys (another key with the same name) with a warm cache and memo',
    arrange: async () => {
      await warm();
      expect((await gateOn().checkLocked([locked('plain')])).fromMemo).toBe(true);
    },
    act: () =>
      gateOn(policy({}, { vkeys: [generateKeyPair('gate.test/log').vkey] })).checkLocked([locked('plain')]),
    code: 'BAD_SIGNATURE',
    evidence: false,
    names: /log\.vkeys/,
  },
  {
    fault: 'a wrong log.vkeys (a key with another name) with a warm cache and memo',
    arrange: async () => {
      await warm();
      expect((await gateOn().checkLocked([locked('plain')])).fromMemo).toBe(true);
    },
    act: () =>
      gateOn(policy({}, { vkeys: [generateKeyPair('another.log/npm').vkey] })).checkLocked([locked('plain')]),
    code: 'BAD_SIGNATURE',
    evidence: false,
    names: /log\.vkeys/,
  },
  {
    fault: 'a truncated log.vkeys with a warm cache and memo',
    arrange: async () => {
      await warm();
      expect((await gateOn().checkLocked([locked('plain')])).fromMemo).toBe(true);
    },
    act: () => gateOn(policy({}, { vkeys: [log.vkey.slice(0, -8)] })).checkLocked([locked('plain')]),
    code: 'POLICY_INVALID',
    evidence: false,
    names: /log\.vkeys/,
  },
  {
    fault: 'a slow body: the log answers /proofs one byte every 100 ms',
    arrange: async () => {
      const trickle = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const t = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(t));
      });
      await new Promise<void>((r) => trickle.listen(0, '127.0.0.1', r));
      closers.push(
        () =>
          new Promise((r) => {
            trickle.closeAllConnections();
            trickle.close(() => r());
          }),
      );
      const url = `http://127.0.0.1:${(trickle.address() as AddressInfo).port}/proofs`;
      net.faults.push((u, req) => (u.pathname.endsWith('/proofs') ? nodeHttpClient(url, req) : undefined));
      started = Date.now();
    },
    act: () => gateOn(policy({}, { timeoutMs: 800 })).verifyLocked([locked('fresh')]),
    code: 'LOG_UNREACHABLE',
    evidence: false,
    names: /no complete answer within \d+ ms \(total deadline\)[\s\S]*raise "log.timeoutMs"/,
    after: () => {
      expect(Date.now() - started).toBeLessThan(3000);
    },
  },
];

describe('the Gate and LogClient over injected I/O: one table of faults', () => {
  it.each(FAULTS)('$fault -> $code', async (row) => {
    await row.arrange();
    let thrown: unknown;
    try {
      await row.act();
    } catch (e) {
      thrown = e;
    }
    expect(isSumgateError(thrown), String(thrown)).toBe(true);
    const e = thrown as import('../../src/errors.js').SumgateError;
    expect(e.code, e.describe()).toBe(row.code);
    expect(evidence().length > 0, `evidence: ${evidence().join(', ')}`).toBe(row.evidence);
    if (row.names !== undefined) expect(e.describe()).toMatch(row.names);
    await row.after?.();
  });
});

describe('facts proven under another key are not reused', () => {
  it('proves again in the log this policy pins, saying nothing about the foreign entries', async () => {
    await warm();
    const other = await startLog(registry.url, { origin: 'gate.test/log' });
    try {
      const gate = project({
        sources: [{ name: 'fixture', url: registry.url }],
        log: { url: other.url, vkeys: [other.vkey] },
      }).open(files, net, said);
      const v = await gate.verifyLocked([locked('plain')]);
      expect(v[0]?.decision).toBe('verified');
      expect(said.join('\n')).toContain('proving 1 of 1 packages');
      expect(net.requests.filter((r) => r === 'POST /proofs')).toHaveLength(2);
      expect(path.basename(path.dirname(latestFile()))).not.toBe('');
      expect(files.matching(/\/logs\/[^/]+\/latest$/)).toHaveLength(2);
    } finally {
      await other.close();
    }
  });
});

describe('a poisoned cached tile is a hint, not evidence', () => {
  it('re-fetches the tiles before a failed consistency proof counts, and rewrites the tile', async () => {
    const older = await log.checkpoint();
    await warm([locked('plain')]); // remembers a checkpoint of fewer than 256 entries
    const { fakeRecord } = await import('../../../log/test/records.js');
    await Promise.all(Array.from({ length: 300 }, (_, i) => log.server.log.append(fakeRecord(i, 'tiles'))));
    await gateOn().log.latest(); // consistency proof over full tile 0/000, cached once it checked out
    const [tile] = files.matching(/\/tile\/0\/000$/);
    expect(tile).toBeDefined();
    const honest = Buffer.from(files.read(tile!)!);
    const poisoned = Buffer.from(honest);
    poisoned[5] = poisoned[5]! ^ 0xff;
    files.write(tile!, poisoned);
    // a stale view (the older checkpoint) must be proven a prefix of the remembered tree from its tiles
    net.faults.push((u) =>
      u.pathname.endsWith('/checkpoint')
        ? { status: 200, headers: {}, url: '', body: Buffer.from(older) }
        : undefined,
    );
    await gateOn().log.latest();
    expect(evidence()).toEqual([]);
    expect(files.read(tile!)).toEqual(honest);
  });
});

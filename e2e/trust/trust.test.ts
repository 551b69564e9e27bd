/**
 * Trust comes only from the pinned log key (issue 12), with the real pnpm 10 (drop-in pnpmfile)
 * and the real Yarn 4 (plugin): a split view through a new origin line, a forged entry in a shared
 * cache, a batch answer with an over-long proof, a wrong log.vkeys with a warm cache, and a log
 * that sends one byte per second. Each scenario checks the exit code, the message, the evidence on
 * disk and what reached node_modules.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePack, encodePack } from '../../shared/core/src/cache/factsCache.js';
import {
  formatCheckpoint,
  generateKeyPair,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
  signNote,
} from '@sumgate/core';
import { markerRuns } from '../harness/markers.js';
import { makeProject, runPnpm, runYarn } from '../harness/packageManagers.js';
import type { RunResult } from '../harness/packageManagers.js';
import { useScenarioWorld } from '../harness/scenarioWorld.js';
import { forkEvidence, installPnpmfile, startLog, writePolicy } from '../harness/sumgate.js';
import type { PolicyOptions, TestLog } from '../harness/sumgate.js';
import { importPlugin } from '../yarn/yarnSumgate.js';

const world = useScenarioWorld('sumgate-trust');

type Host = 'pnpm 10' | 'yarn 4';

interface Installer {
  project(
    dependencies: Record<string, string>,
    policy?: Partial<PolicyOptions>,
    built?: string[],
    dir?: string,
  ): Promise<string>;
  install(cwd: string, frozen?: boolean): Promise<RunResult>;
}

const cacheOf = () => world.sumgateCache();

const installers: Record<Host, Installer> = {
  'pnpm 10': {
    async project(dependencies, policy = {}, built = [], dir = world.sandbox.projectDir) {
      const cwd = await makeProject({
        dir,
        packageManager: 'pnpm',
        dependencies,
        pnpmSettings: { allowBuilds: Object.fromEntries(built.map((n) => [n, true])) },
      });
      writePolicy(cwd, { log: world.log, sources: [world.honest()], ...policy });
      installPnpmfile(cwd);
      return cwd;
    },
    install(cwd, frozen = false) {
      return runPnpm(10, frozen ? ['install', '--frozen-lockfile'] : ['install'], {
        cwd,
        registry: world.registry.url,
        storeDir: world.sandbox.storeDir,
        cacheDir: world.sandbox.cacheDir,
        env: { SUMGATE_CACHE_DIR: cacheOf() },
      });
    },
  },
  'yarn 4': {
    async project(dependencies, policy = {}, built = [], dir = world.sandbox.projectDir) {
      const cwd = await makeProject({
        dir,
        packageManager: 'yarn',
        dependencies,
        packageJson:
          built.length === 0
            ? {}
            : { dependenciesMeta: Object.fromEntries(built.map((n) => [n, { built: true }])) },
      });
      await importPlugin({
        cwd,
        registry: world.registry.url,
        cacheDir: world.sandbox.cacheDir,
        env: { SUMGATE_CACHE_DIR: cacheOf() },
      });
      writePolicy(cwd, { log: world.log, sources: [world.honest()], ...policy });
      return cwd;
    },
    install(cwd, frozen = false) {
      return runYarn(frozen ? ['install', '--immutable'] : ['install'], {
        cwd,
        registry: world.registry.url,
        cacheDir: world.sandbox.cacheDir,
        env: { SUMGATE_CACHE_DIR: cacheOf() },
      });
    },
  },
};

/** Writes the policy with raw log settings (timeoutMs, a chosen vkey). */
function writeRawPolicy(cwd: string, log: Record<string, unknown>): void {
  writeFileSync(
    path.join(cwd, 'sumgate.jsonc'),
    `${JSON.stringify({ sources: [world.honest()], log }, null, 2)}\n`,
  );
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    server,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A log reached through a proxy that passes every request on to `upstreamUrl` and may rewrite a
 * successful answer's body (`rewrite` gets the request path and the body; undefined leaves it).
 */
async function rewritingProxy(
  upstreamUrl: string,
  rewrite: (url: string, body: Buffer) => Buffer | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  return listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(`${upstreamUrl}${(req.url ?? '/').slice(1)}`, {
      method: req.method,
      headers: { 'content-type': String(req.headers['content-type'] ?? 'text/plain') },
      ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
    });
    const got = Buffer.from(await upstream.arrayBuffer());
    const body = (upstream.status === 200 ? rewrite(req.url ?? '/', got) : undefined) ?? got;
    res
      .writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' })
      .end(body);
  });
}

/** A log whose POST /proofs answers are changed on the way: `change` gets the parsed answer. */
function alteringProofs(
  upstreamUrl: string,
  change: (doc: { entries: Array<{ name: string; proof: number[] }> }) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  return rewritingProxy(upstreamUrl, (url, body) => {
    if (url !== '/proofs') return undefined;
    const doc = JSON.parse(body.toString('utf8')) as Parameters<typeof change>[0];
    change(doc);
    return Buffer.from(JSON.stringify(doc));
  });
}

/**
 * A dishonest log operator's split view: a second history under the SAME key, served under another
 * origin line (re-signed with the key; the signature is valid, only the origin differs).
 */
async function splitViewLog(own: TestLog): Promise<{ url: string; close(): Promise<void> }> {
  const forked = await startLog({ upstreams: [world.registry.url], keyFrom: own.dir });
  for (const [n, v] of [
    ['dep-of-plain', '2.0.0'],
    ['with-dep', '1.0.0'],
    ['plain', '1.0.0'],
  ] as const) {
    const res = await fetch(`${forked.url}lookup/${n}@${v}`);
    if (res.status !== 200) throw new Error(`forked log: ${n}@${v}: ${res.status}`);
  }
  const signer = parseSignerKey(readFileSync(path.join(own.dir, 'log.skey'), 'utf8').trim());
  const reOrigin = (note: string) => {
    const cp = parseCheckpoint(parseNote(note).text);
    return signNote(formatCheckpoint({ ...cp, origin: 'split-view.example/npm' }), [signer]);
  };
  const proxy = await rewritingProxy(forked.url, (url, body) => {
    if (url === '/checkpoint') return Buffer.from(reOrigin(body.toString('utf8')));
    if (url === '/proofs') {
      const doc = JSON.parse(body.toString('utf8')) as { checkpoint: string };
      return Buffer.from(JSON.stringify({ ...doc, checkpoint: reOrigin(doc.checkpoint) }));
    }
    if (url.startsWith('/lookup/')) {
      const text = body.toString('utf8');
      const at = text.indexOf('\n\n');
      return Buffer.from(`${text.slice(0, at + 2)}${reOrigin(text.slice(at + 2))}`);
    }
    return undefined;
  });
  return {
    url: proxy.url,
    close: async () => {
      await proxy.close();
      await forked.close();
    },
  };
}

/**
 * Rewrites the cached facts of name@version in every facts pack holding them, as someone with
 * write access to the cache would (the pack's checksum recomputed); returns the pack read first
 * (the newest holding them).
 */
function forgeFacts(
  name: string,
  version: string,
  forge: (e: { proven: { record: string } }) => void,
): string {
  const dir = path.join(cacheOf(), 'facts', 'v4');
  const key = `${name}@${version}`;
  const holding = readdirSync(dir)
    .filter((f) => f.endsWith('.pack'))
    .sort()
    .map((f) => path.join(dir, f))
    .filter((file) => {
      const pack = decodePack(readFileSync(file)) as Map<string, string>;
      if (!pack.has(key)) return false;
      const e = JSON.parse(pack.get(key)!) as { proven: { record: string } };
      forge(e);
      pack.set(key, JSON.stringify(e));
      writeFileSync(file, encodePack(pack));
      return true;
    });
  expect(holding.length).toBeGreaterThan(0);
  return holding[holding.length - 1]!;
}

describe.each(['pnpm 10', 'yarn 4'] as const)('%s: trust comes only from the pinned log key', (host) => {
  const pm = installers[host];

  it('a split view through a new origin line under the same key is a SECURITY error with evidence; nothing is installed', async () => {
    const own = await startLog({ upstreams: [world.registry.url] });
    try {
      const first = await pm.project({ plain: '1.0.0' }, { log: own });
      const ok = await pm.install(first);
      expect(ok.code, ok.output).toBe(0);
      const split = await splitViewLog(own);
      try {
        const second = await pm.project(
          { 'with-dep': '1.0.0' },
          { log: { url: split.url, vkey: own.vkey } },
          [],
          path.join(world.sandbox.root, 'second'),
        );
        const r = await pm.install(second);
        expect(r.code).not.toBe(0);
        expect(r.output).toContain('SECURITY_LOG_FORK');
        expect(r.output).toContain('SECURITY ERROR');
        expect(r.output).toContain('for another origin, "split-view.example/npm"');
        expect(forkEvidence(cacheOf())).toEqual([
          ['README.txt', 'consistency-proof.txt', 'remembered.checkpoint', 'served.checkpoint'],
        ]);
        expect(existsSync(path.join(second, 'node_modules/with-dep'))).toBe(false);
        expect(existsSync(path.join(second, 'node_modules/dep-of-plain'))).toBe(false);
      } finally {
        await split.close();
      }
    } finally {
      await own.close();
    }
  });

  it('a forged entry in a shared cache (install code erased from a record) is refused, naming the file; the log decides', async () => {
    const cwd = await pm.project({ 'adds-script': '1.1.0' }, {}, ['adds-script']);
    const refused = await pm.install(cwd);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('QUARANTINE_ADDED');
    // Someone with write access to the shared cache rewrites the proven facts: "no install-time code".
    const file = forgeFacts('adds-script', '1.1.0', (entry) => {
      entry.proven.record = entry.proven.record.replace(/^install .*$/m, 'install v2 none');
    });
    const r = await pm.install(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      `refused the cache entry ${file} for adds-script@1.1.0: its record is not proven`,
    );
    expect(r.output).toContain('adds-script@1.1.0 is quarantined: it adds install-time code (postinstall)');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/adds-script'))).toBe(false);
  });

  it('a cached record whose integrity is spelled with spare base64 bits (the same sha512 to a lenient decoder) is refused as malformed; the log decides', async () => {
    const cwd = await pm.project({ 'adds-script': '1.1.0' }, {}, ['adds-script']);
    const refused = await pm.install(cwd);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('QUARANTINE_ADDED');
    let spelled = '';
    const file = forgeFacts('adds-script', '1.1.0', (entry) => {
      entry.proven.record = entry.proven.record.replace(/ sha512-(\S+)==\n/, (_, b64: string) => {
        // The last character before the padding carries 4 spare bits: set the lowest one.
        const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        const other = `${b64.slice(0, -1)}${last[last.indexOf(b64.slice(-1)) | 1]}`;
        expect(Buffer.from(`${other}==`, 'base64').equals(Buffer.from(`${b64}==`, 'base64'))).toBe(true);
        spelled = other;
        return ` sha512-${other}==\n`;
      });
    });
    expect(spelled).not.toBe('');
    const r = await pm.install(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      `refused the cache entry ${file} for adds-script@1.1.0: its record or proof is malformed`,
    );
    expect(r.output).toContain('is not sha512-<canonical base64 of 64 bytes>');
    expect(r.output).toContain('adds-script@1.1.0 is quarantined: it adds install-time code (postinstall)');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/adds-script'))).toBe(false);
  });

  it('a batch answer whose last proof has one hash too many is refused as INVALID_PROOF, though its first hashes meet a node the batch already verified; nothing is installed', async () => {
    // A lockfile first (through the honest log), then a frozen install with an empty sumgate cache:
    // the whole lockfile is proven in one batch (pnpm's preResolution, Yarn's validateProject).
    const cwd = await pm.project({ 'with-dep': '1.0.0' });
    const ok = await pm.install(cwd);
    expect(ok.code, ok.output).toBe(0);
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    rmSync(cacheOf(), { recursive: true, force: true });
    let altered = '';
    const log = await alteringProofs(world.log.url, (doc) => {
      const last = doc.entries.at(-1);
      if (doc.entries.length < 2 || last === undefined || last.proof.length === 0) return;
      last.proof.push(last.proof.at(-1)!);
      altered = last.name;
    });
    try {
      writeRawPolicy(cwd, { url: log.url, vkeys: [world.log.vkey] });
      const r = await pm.install(cwd, true);
      expect(altered, r.output).not.toBe('');
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('INVALID_PROOF');
      expect(r.output).toContain(`${altered}@`);
      expect(r.output).toContain('its inclusion proof does not match its signed checkpoint');
      expect(existsSync(path.join(cwd, 'node_modules/with-dep/package.json'))).toBe(false);
      expect(existsSync(path.join(cwd, 'node_modules/dep-of-plain/package.json'))).toBe(false);
    } finally {
      await log.close();
    }
  });

  it('a wrong log.vkeys fails with a warm cache too (another key with the same name)', async () => {
    const cwd = await pm.project({ plain: '1.0.0' });
    const ok = await pm.install(cwd);
    expect(ok.code, ok.output).toBe(0);
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const warm = await pm.install(cwd, true);
    expect(warm.code, warm.output).toBe(0);
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const origin = world.log.vkey.split('+')[0]!;
    writeRawPolicy(cwd, { url: world.log.url, vkeys: [generateKeyPair(origin).vkey] });
    const r = await pm.install(cwd, true);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('BAD_SIGNATURE');
    expect(r.output).toContain('log.vkeys');
    expect(existsSync(path.join(cwd, 'node_modules/plain/index.js'))).toBe(false);
  });

  it('a log that sends one byte per second fails within its deadline (log.timeoutMs), as LOG_UNREACHABLE', async () => {
    const trickle = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => res.write(' '), 1000);
      res.on('close', () => clearInterval(t));
    });
    try {
      const cwd = await pm.project({ plain: '1.0.0' });
      writeRawPolicy(cwd, { url: trickle.url, vkeys: [world.log.vkey], timeoutMs: 3000 });
      const r = await pm.install(cwd);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('LOG_UNREACHABLE');
      expect(r.output).toMatch(/no complete answer within \d+ ms \(total deadline\)/);
      expect(r.output).toContain('log.timeoutMs');
      // pnpm or Yarn start-up plus one 3 s deadline, far from "forever"
      expect(r.durationMs).toBeLessThan(45_000);
      expect(existsSync(path.join(cwd, 'node_modules/plain'))).toBe(false);
    } finally {
      await trickle.close();
    }
  });
});

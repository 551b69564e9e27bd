/**
 * Witnesses end to end, with real pnpm 10 installs through the sumgate pnpmfile: the log submits
 * every checkpoint to c2sp.org/tlog-witness witnesses (`sumgate witness serve`, in process here)
 * and serves their cosignatures; the policy requires a quorum of them (`log.witnesses`).
 *
 * - Split view: the operator restarts the log with another history under the same key and URL. A
 *   stateless client (empty sumgate cache, like a fresh CI runner) has no remembered checkpoint to
 *   compare with; without witnesses it accepts the fork, with a witness quorum it refuses, because
 *   the witness refuses to cosign a tree inconsistent with the one it cosigned.
 * - Rollback: the witness refuses an older checkpoint of the genuine log.
 * - 2 of 3 witnesses with one down: installs pass.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_TREE_HASH, formatCheckpoint, parseSignerKey, signNote } from '@sumgate/core';
import {
  addWitnessedLog,
  initLog,
  initWitness,
  serveLog,
  serveWitness,
  type WitnessServer,
} from '@sumgate/log';
import { makeProject, makeTempDir, runPnpm, type RunResult } from '../harness/packageManagers.js';
import { useScenarioWorld } from '../harness/scenarioWorld.js';
import { installPnpmfile } from '../harness/sumgate.js';

const world = useScenarioWorld('sumgate-witness');

interface WitnessedLog {
  url: string;
  vkey: string;
  dir: string;
  port: number;
  close(): Promise<void>;
}

async function startWitness(name: string, logVkey: string): Promise<WitnessServer> {
  const dir = path.join(makeTempDir('sumgate-witness'), 'w');
  await initWitness(dir, name);
  await addWitnessedLog(dir, logVkey);
  return serveWitness({ dir });
}

/** A log (new key, or another history under `keyFrom`'s key) that asks `witnesses` to cosign. */
async function startWitnessedLog(
  witnesses: readonly WitnessServer[],
  opts: { keyFrom?: string; port?: number; origin?: string } = {},
): Promise<WitnessedLog> {
  const dir = path.join(makeTempDir('sumgate-log'), 'log');
  if (opts.keyFrom === undefined) {
    await initLog({ dir, origin: opts.origin ?? 'witness.e2e/npm' });
  } else {
    mkdirSync(dir, { recursive: true });
    for (const f of ['log.json', 'log.skey', 'log.vkey'])
      cpSync(path.join(opts.keyFrom, f), path.join(dir, f));
    const { origin } = JSON.parse(readFileSync(path.join(dir, 'log.json'), 'utf8')) as { origin: string };
    const signer = parseSignerKey(readFileSync(path.join(dir, 'log.skey'), 'utf8').trim());
    writeFileSync(
      path.join(dir, 'checkpoint'),
      signNote(formatCheckpoint({ origin, size: 0, root: EMPTY_TREE_HASH, extensions: [] }), [signer]),
    );
  }
  const server = await serveLog({
    dir,
    port: opts.port ?? 0,
    upstreams: [world.registry.url],
    witnesses: witnesses.map((w) => ({ url: w.url, vkey: w.vkey })),
  });
  const url = `${server.url}/`;
  return { url, vkey: server.vkey, dir, port: Number(new URL(url).port), close: () => server.close() };
}

async function project(
  dir: string,
  dependencies: Record<string, string>,
  log: WitnessedLog,
  witnesses?: { keys: string[]; quorum: number },
): Promise<string> {
  const cwd = await makeProject({ dir, packageManager: 'pnpm', dependencies });
  const policy = {
    sources: [world.honest()],
    log: { url: log.url, vkeys: [log.vkey], ...(witnesses === undefined ? {} : { witnesses }) },
  };
  writeFileSync(
    path.join(cwd, 'sumgate.jsonc'),
    `// sumgate policy written by an e2e test\n${JSON.stringify(policy, null, 2)}\n`,
  );
  installPnpmfile(cwd);
  return cwd;
}

/** pnpm 10 with its own, empty sumgate cache: a stateless client. */
function pnpm(cwd: string, cacheName: string): Promise<RunResult> {
  return runPnpm(10, ['install'], {
    cwd,
    registry: world.registry.url,
    storeDir: world.sandbox.storeDir,
    cacheDir: world.sandbox.cacheDir,
    env: { SUMGATE_CACHE_DIR: path.join(world.sandbox.root, cacheName) },
  });
}

describe('pnpm 10 with a witnessed log', () => {
  it('a stateless client with a witness quorum refuses a split view, because the witness refuses to cosign the fork', async () => {
    const w = await startWitness('witness.e2e/w1', (await peekKey()).vkey);
    const own = await startWitnessedLog([w], { keyFrom: (await peekKey()).dir });
    const quorum = { keys: [w.vkey], quorum: 1 };
    try {
      const honestInstall = await pnpm(
        await project(
          path.join(world.sandbox.root, 'a'),
          { plain: '1.0.0', 'with-dep': '1.0.0' },
          own,
          quorum,
        ),
        'cache-a',
      );
      expect(honestInstall.code, honestInstall.output).toBe(0);
      expect(honestInstall.output).toMatch(/sumgate: verified plain@1\.0\.0 from fixture/);
      const cosigned = w.witness.cosignedSize('witness.e2e/npm');
      expect(cosigned).toBeGreaterThan(0);

      // The operator restarts the log with another history (same key, same URL).
      await own.close();
      const forked = await startWitnessedLog([w], { keyFrom: own.dir, port: own.port });
      try {
        for (const spec of ['dep-of-plain@2.0.0', 'with-dep@1.0.0', 'same-script@1.1.0']) {
          expect((await fetch(`${forked.url}lookup/${spec}`)).status).toBe(200);
        }
        expect(w.witness.cosignedSize('witness.e2e/npm')).toBe(cosigned);

        // Control: without witnesses, a client with an empty cache cannot tell the fork apart.
        const blind = await pnpm(
          await project(path.join(world.sandbox.root, 'b'), { 'with-dep': '1.0.0' }, forked),
          'cache-b',
        );
        expect(blind.code, blind.output).toBe(0);

        const witnessed = await pnpm(
          await project(path.join(world.sandbox.root, 'c'), { 'with-dep': '1.0.0' }, forked, quorum),
          'cache-c',
        );
        expect(witnessed.code).not.toBe(0);
        expect(witnessed.output).toContain('WITNESS_QUORUM');
      } finally {
        await forked.close();
      }
    } finally {
      await own.close().catch(() => {});
      await w.close();
    }
  });

  it('2 of 3 witnesses with one down: the install passes; the witnesses refuse a rollback', async () => {
    const key = await peekKey();
    const ws = [
      await startWitness('witness.e2e/w1', key.vkey),
      await startWitness('witness.e2e/w2', key.vkey),
      await startWitness('witness.e2e/w3', key.vkey),
    ];
    const keys = ws.map((w) => w.vkey);
    await ws[1]!.close();
    const log = await startWitnessedLog(ws, { keyFrom: key.dir });
    try {
      const first = await pnpm(
        await project(path.join(world.sandbox.root, 'a'), { plain: '1.0.0' }, log, { keys, quorum: 2 }),
        'cache-a',
      );
      expect(first.code, first.output).toBe(0);
      const older = await (await fetch(`${log.url}checkpoint`)).text();
      const r = await pnpm(
        await project(path.join(world.sandbox.root, 'b'), { 'with-dep': '1.0.0' }, log, { keys, quorum: 2 }),
        'cache-b',
      );
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/sumgate: verified with-dep@1\.0\.0 from fixture/);

      // Quorum 3 cannot be met with a witness down: fail closed.
      const three = await pnpm(
        await project(path.join(world.sandbox.root, 'c'), { 'same-script': '1.1.0' }, log, {
          keys,
          quorum: 3,
        }),
        'cache-c',
      );
      expect(three.code).not.toBe(0);
      expect(three.output).toContain('WITNESS_QUORUM');

      // Rollback: the genuine but older checkpoint is refused by a witness that has seen more.
      const size = ws[0]!.witness.cosignedSize(key.origin);
      const olderBody = older;
      const refused = await fetch(`${ws[0]!.url}/add-checkpoint`, {
        method: 'POST',
        body: `old ${size}\n\n${olderBody}`,
      });
      expect(refused.status).toBe(400); // old size beyond the submitted checkpoint
      const stale = await fetch(`${ws[0]!.url}/add-checkpoint`, {
        method: 'POST',
        body: `old 0\n\n${olderBody}`,
      });
      expect(stale.status).toBe(409);
      expect(await stale.text()).toBe(`${size}\n`);
    } finally {
      await log.close();
      await Promise.all(ws.map((w) => w.close()));
    }
  });
});

let key: { dir: string; vkey: string; origin: string } | undefined;
/** One log key for the whole file (its witnesses must know it before the log starts). */
async function peekKey(): Promise<{ dir: string; vkey: string; origin: string }> {
  if (key === undefined) {
    const dir = path.join(makeTempDir('sumgate-logkey'), 'key');
    const origin = 'witness.e2e/npm';
    const { vkey } = await initLog({ dir, origin });
    key = { dir, vkey, origin };
  }
  return key;
}

/**
 * npm 11 (the machine's) and npm 12 (the `npm12` devDependency) installing through `sumgate proxy`,
 * against the fixture registry, a tampering mirror and the project's own log on 127.0.0.1. Marker
 * files prove whether an install script ran; package-lock.json shows what npm records.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markerRuns } from '../harness/markers.js';
import { runNpm } from '../harness/npmClients.js';
import type { NpmVersion } from '../harness/npmClients.js';
import { startFixtureRegistry } from '../harness/fixtureRegistry.js';
import { useProxyWorld } from './proxyWorld.js';

const world = useProxyWorld('sumgate-proxy-npm');

interface LockEntry {
  version: string;
  resolved: string;
  integrity: string;
}

/** A GET with the path sent exactly as written (no URL normalisation). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = get({ hostname, port, path: rawPath }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

function locked(cwd: string, name: string): LockEntry {
  const lock = JSON.parse(readFileSync(path.join(cwd, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const entry = lock.packages[`node_modules/${name}`];
  if (entry === undefined) throw new Error(`${name} is not in package-lock.json`);
  return entry;
}

describe.each([11, 12] as NpmVersion[])('npm %i through sumgate proxy', (npmVersion) => {
  const npm = (
    cwd: string,
    args: string[],
    registry: string,
    cache = path.join(world.sandbox.root, 'npm-cache'),
    env: Record<string, string> = {},
  ) => runNpm(npmVersion, args, { cwd, registry, cacheDir: cache, env });

  it("installs verified packages; the lockfile records the proxy URL and the log's integrity; the client's token stays with the proxy", async () => {
    // npm 12 runs only the install scripts package.json's allowScripts covers (npm 11.19 warns about the
    // rest)
    const sources = [
      world.honest(),
      { name: 'private', url: world.privateRegistry.url, scopes: ['@private'] },
    ];
    const deps = { plain: '1.0.0', 'with-dep': '1.0.0', 'same-script': '1.1.0', '@private/lib': '1.0.0' };
    const cwd = world.project(deps, { sources, exempt: ['@private/*'] }, undefined, {
      allowScripts: { 'same-script': true },
    });
    const proxy = await world.proxy(cwd);
    // the project's .npmrc: the client's token for the proxy's host, which must never reach a source,
    // and the private source's token, which the proxy sends to that source only
    const privateHost = new URL(world.privateRegistry.url).host;
    writeFileSync(
      path.join(cwd, '.npmrc'),
      `//127.0.0.1:${proxy.port}/:_authToken=client-secret-token\n//${privateHost}/:_authToken=private-token\n`,
    );
    const r = await npm(cwd, ['install'], proxy.url);
    expect(r.code, r.output + proxy.output()).toBe(0);
    for (const pkg of ['plain@1.0.0', 'with-dep@1.0.0', 'dep-of-plain@2.0.0', 'same-script@1.1.0']) {
      expect(proxy.output()).toMatch(
        new RegExp(`sumgate proxy: verified ${pkg} from fixture \\(log leaf \\d+\\)`),
      );
    }
    expect(existsSync(path.join(cwd, 'node_modules/plain/index.js'))).toBe(true);
    // unchanged install-time code passes and runs where allowScripts allows it
    expect(markerRuns(world.markerDir, 'same-script')).toBe(1);
    const entry = locked(cwd, 'plain');
    expect(entry.resolved).toBe(`${proxy.url}plain/-/plain-1.0.0.tgz`);
    expect(entry.integrity).toBe(world.registry.integrityOf('plain', '1.0.0'));
    expect(world.registry.tarballRequests()).toContain('/plain/-/plain-1.0.0.tgz');
    expect(world.registry.requests.some((q) => q.hasAuthorization)).toBe(false);
    expect(
      world.registry.requests.some((q) => JSON.stringify(q.headers).includes('client-secret-token')),
    ).toBe(false);
    expect(world.privateRegistry.requests.length).toBeGreaterThan(0);
    expect(
      world.privateRegistry.requests.every((q) => q.headers.authorization === 'Bearer private-token'),
    ).toBe(true);
    expect(existsSync(path.join(cwd, 'node_modules/@private/lib/package.json'))).toBe(true);

    // npm ci from that lockfile, with an empty npm cache: every tarball goes through the proxy again
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const before = proxy.verifiedCount('plain@1.0.0');
    const ci = await npm(cwd, ['ci'], proxy.url, path.join(world.sandbox.root, 'npm-cache-ci'));
    expect(ci.code, ci.output + proxy.output()).toBe(0);
    expect(proxy.verifiedCount('plain@1.0.0')).toBe(before + 1);
    expect(existsSync(path.join(cwd, 'node_modules/dep-of-plain/package.json'))).toBe(true);

    // the same lockfile against a proxy on another port: npm's replace-registry-host=always keeps the
    // recorded path and takes the host from the configured registry, so it goes through the new proxy
    await proxy.close();
    const moved = await world.proxy(cwd);
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const elsewhere = await npm(cwd, ['ci'], moved.url, path.join(world.sandbox.root, 'npm-cache-moved'), {
      npm_config_replace_registry_host: 'always',
    });
    expect(elsewhere.code, elsewhere.output + moved.output()).toBe(0);
    expect(moved.output()).toMatch(/verified plain@1\.0\.0 from fixture/);
    expect(locked(cwd, 'plain').resolved).toBe(`${proxy.url}plain/-/plain-1.0.0.tgz`);
  });

  it('answers a name npm never accepts (`..`, dot-only scopes) with 400 and asks no source for it', async () => {
    const cwd = world.project({ plain: '1.0.0' });
    const proxy = await world.proxy(cwd);
    world.registry.clearRequests();
    for (const p of ['/..', '/%2e%2e/-/..-1.0.0.tgz', '/@scope%2f..', '/.hidden']) {
      const r = await rawGet(proxy.url, p); // fetch() would resolve the dot segments before sending
      expect(r.status, p).toBe(400);
      expect((JSON.parse(r.body) as { error: string }).error).toMatch(/is not a package name/);
    }
    expect(world.registry.requests).toEqual([]);
  });

  it("a packument carries the log's integrity: a source whose metadata names other bytes than the log is corrected", async () => {
    // the honest bytes (the fixture tarball is deterministic) under metadata that names adds-script's sha512
    const liar = await startFixtureRegistry({
      packages: [
        {
          name: 'plain',
          versions: [
            {
              version: '1.0.0',
              files: { 'index.js': 'module.exports = 1;\n' },
              metadataOverride: { dist: { integrity: world.registry.integrityOf('adds-script', '1.0.0') } },
            },
          ],
        },
      ],
    });
    try {
      expect(liar.tarballOf('plain', '1.0.0')).toEqual(world.registry.tarballOf('plain', '1.0.0'));
      const logged = await fetch(`${world.log.url}lookup/plain@1.0.0`); // the log has it (ingested from the honest registry)
      expect(logged.status).toBe(200);
      const cwd = world.project({ plain: '1.0.0' }, { sources: [{ name: 'liar', url: liar.url }] });
      const proxy = await world.proxy(cwd);
      const r = await npm(cwd, ['install'], proxy.url);
      expect(r.code, r.output + proxy.output()).toBe(0);
      expect(proxy.output()).toMatch(/verified plain@1\.0\.0 from liar/);
      expect(locked(cwd, 'plain').integrity).toBe(world.registry.integrityOf('plain', '1.0.0'));
    } finally {
      await liar.close();
    }
  });

  it('passes over a tampering mirror for an honest source; alone, the tampered bytes never reach npm', async () => {
    const cwd = world.project(
      { plain: '1.0.0' },
      { sources: [{ name: 'evil', url: world.evil.url }, world.honest()] },
    );
    const proxy = await world.proxy(cwd);
    const r = await npm(cwd, ['install'], proxy.url);
    expect(r.code, r.output + proxy.output()).toBe(0);
    expect(proxy.output()).toContain('plain@1.0.0: source evil passed over (served sha512-');
    expect(proxy.output()).toMatch(/verified plain@1\.0\.0 from fixture/);
    expect(existsSync(path.join(cwd, 'node_modules/plain/tampered.js'))).toBe(false);
    expect(readFileSync(path.join(cwd, 'package-lock.json'), 'utf8')).not.toContain(world.evil.url);

    const lone = world.project(
      { plain: '1.0.0' },
      { sources: [{ name: 'evil', url: world.evil.url }] },
      path.join(world.sandbox.root, 'lone'),
    );
    const loneProxy = await world.proxy(lone);
    const bad = await npm(lone, ['install'], loneProxy.url, path.join(world.sandbox.root, 'npm-cache-lone'));
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('INTEGRITY_MISMATCH');
    expect(bad.output).toContain('plain@1.0.0');
    expect(bad.output).toContain('"evil"');
    expect(existsSync(path.join(lone, 'node_modules/plain'))).toBe(false);
  });

  it("refuses a version that adds a postinstall (code, cause and fix in npm's output, marker absent); after approval it installs and runs", async () => {
    const cwd = world.project({ 'adds-script': '1.1.0' }, {}, undefined, {
      allowScripts: { 'adds-script': true },
    });
    const proxy = await world.proxy(cwd);
    const r = await npm(cwd, ['install'], proxy.url);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('403');
    expect(r.output).toContain('QUARANTINE_ADDED');
    expect(r.output).toContain(
      'adds-script@1.1.0 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have',
    );
    expect(r.output).toContain('sumgate approve adds-script@1.1.0');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/adds-script'))).toBe(false);

    // the approval `sumgate approve` writes; the running proxy reloads the changed policy
    world.approve(cwd, 'adds-script', '1.1.0');
    const ok = await npm(cwd, ['install'], proxy.url);
    expect(ok.code, ok.output + proxy.output()).toBe(0);
    expect(proxy.output()).toContain('changed; reloaded');
    expect(proxy.output()).toMatch(/verified adds-script@1\.1\.0 from fixture/);
    expect(existsSync(path.join(cwd, 'node_modules/adds-script/install.js'))).toBe(true);
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);
  });

  it('with "proxy": {"quarantined": "omit"}, a range resolves to the last version that passes, and a locked refused version is still refused', async () => {
    const cwd = world.project({ 'adds-script': '^1.0.0' }, { proxy: { quarantined: 'omit' } }, undefined, {
      allowScripts: { 'adds-script': true },
    });
    const proxy = await world.proxy(cwd);
    const r = await npm(cwd, ['install'], proxy.url);
    expect(r.code, r.output + proxy.output()).toBe(0);
    expect(proxy.output()).toContain(
      'adds-script: left out of the packument (refused): 1.1.0 (QUARANTINE_ADDED)',
    );
    expect(locked(cwd, 'adds-script').version).toBe('1.0.0');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);

    // a lockfile that pins the refused version (written elsewhere) is still refused at its tarball
    const lock = readFileSync(path.join(cwd, 'package-lock.json'), 'utf8')
      .replaceAll('1.0.0.tgz', '1.1.0.tgz')
      .replace(/("node_modules\/adds-script": \{\s*"version": )"1\.0\.0"/, '$1"1.1.0"')
      .replace(
        world.registry.integrityOf('adds-script', '1.0.0'),
        world.registry.integrityOf('adds-script', '1.1.0'),
      );
    writeFileSync(path.join(cwd, 'package-lock.json'), lock);
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const ci = await npm(cwd, ['ci'], proxy.url, path.join(world.sandbox.root, 'npm-cache-ci'));
    expect(ci.code).not.toBe(0);
    expect(ci.output).toContain('QUARANTINE_ADDED');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
  });
});

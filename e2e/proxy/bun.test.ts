/**
 * Bun 1.4 (the native binary of the `bun` devDependency) two ways: through `sumgate proxy` (every
 * byte verified), and with sumgate's security scanner (`[install.security] scanner`, the built
 * plugins/bun/dist/scanner.js) against the fixture registry directly. Marker files prove whether an
 * install script ran (Bun runs only `trustedDependencies`' scripts, so the fixtures are trusted).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { markerRuns } from '../harness/markers.js';
import { runBun } from '../harness/npmClients.js';
import { useProxyWorld } from './proxyWorld.js';

const world = useProxyWorld('sumgate-proxy-bun');
const scannerFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../plugins/bun/dist/scanner.js',
);

/** A Bun project: package.json (fixtures trusted to run scripts), bunfig.toml (registry, optional scanner), sumgate.jsonc. */
function bunProject(
  dependencies: Record<string, string>,
  registry: string,
  o: { scanner?: boolean; policy?: Record<string, unknown>; dir?: string } = {},
): string {
  const cwd = world.project(dependencies, o.policy, o.dir, {
    trustedDependencies: Object.keys(dependencies),
  });
  const scanner =
    o.scanner === true ? `\n[install.security]\nscanner = ${JSON.stringify(scannerFile)}\n` : '';
  writeFileSync(
    path.join(cwd, 'bunfig.toml'),
    `[install]\nregistry = ${JSON.stringify(registry)}\n${scanner}`,
  );
  return cwd;
}

const bun = (
  cwd: string,
  args: string[],
  registry: string,
  cache = path.join(world.sandbox.root, 'bun-cache'),
) => runBun(args, { cwd, registry, cacheDir: cache });

function bunLock(cwd: string): string {
  return readFileSync(path.join(cwd, 'bun.lock'), 'utf8');
}

describe('Bun through sumgate proxy', () => {
  it("installs verified packages; bun.lock records the proxy URL and the log's integrity; a frozen reinstall goes through the proxy", async () => {
    const cwd = world.project({}, {});
    const proxy = await world.proxy(cwd);
    bunProject({ plain: '1.0.0', 'with-dep': '1.0.0' }, proxy.url);
    const r = await bun(cwd, ['install'], proxy.url);
    expect(r.code, r.output + proxy.output()).toBe(0);
    for (const pkg of ['plain@1.0.0', 'with-dep@1.0.0', 'dep-of-plain@2.0.0'])
      expect(proxy.output()).toMatch(new RegExp(`verified ${pkg} from fixture`));
    expect(existsSync(path.join(cwd, 'node_modules/plain/index.js'))).toBe(true);
    const lock = bunLock(cwd);
    expect(lock).toContain(
      `"plain": ["plain@1.0.0", "${proxy.url}plain/-/plain-1.0.0.tgz", {}, "${world.registry.integrityOf('plain', '1.0.0')}"]`,
    );

    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const before = proxy.verifiedCount('plain@1.0.0');
    const frozen = await bun(
      cwd,
      ['install', '--frozen-lockfile'],
      proxy.url,
      path.join(world.sandbox.root, 'bun-cache-2'),
    );
    expect(frozen.code, frozen.output + proxy.output()).toBe(0);
    expect(proxy.verifiedCount('plain@1.0.0')).toBe(before + 1);

    // the same lockfile against a proxy on another port (the first one stopped), the client configured for it
    await proxy.close();
    const moved = await world.proxy(cwd);
    bunProject({ plain: '1.0.0', 'with-dep': '1.0.0' }, moved.url);
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const elsewhere = await bun(
      cwd,
      ['install', '--frozen-lockfile'],
      moved.url,
      path.join(world.sandbox.root, 'cache-moved'),
    );
    // it fetches the recorded URL (the stopped proxy), never the configured registry: keep the proxy's port
    // fixed
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.output).toContain(`ConnectionRefused downloading tarball plain@1.0.0`);
    expect(moved.output()).not.toContain('verified');
  });

  it('passes over a tampering mirror; refuses a quarantined version (marker absent) and installs it after approval', async () => {
    const cwd = world.project({}, { sources: [{ name: 'evil', url: world.evil.url }, world.honest()] });
    const proxy = await world.proxy(cwd);
    bunProject({ plain: '1.0.0', 'adds-script': '1.1.0' }, proxy.url, {
      policy: { sources: [{ name: 'evil', url: world.evil.url }, world.honest()] },
    });
    const r = await bun(cwd, ['install'], proxy.url);
    expect(r.code).not.toBe(0);
    // Bun prints the status, not the body: the code, cause and fix are in the proxy's output (and the
    // scanner's advisory)
    expect(r.output).toContain(`error: GET ${proxy.url}adds-script/-/adds-script-1.1.0.tgz - 403`);
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/adds-script'))).toBe(false);
    expect(proxy.output()).toContain('QUARANTINE_ADDED');

    world.approve(cwd, 'adds-script', '1.1.0', [{ name: 'evil', url: world.evil.url }, world.honest()]);
    const ok = await bun(cwd, ['install'], proxy.url);
    expect(ok.code, ok.output + proxy.output()).toBe(0);
    expect(proxy.output()).toContain('plain@1.0.0: source evil passed over (served sha512-');
    expect(existsSync(path.join(cwd, 'node_modules/plain/tampered.js'))).toBe(false);
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);
  });
});

describe('Bun with the sumgate security scanner', () => {
  it('a clean install passes the scanner; a quarantined version is a fatal advisory with code, cause and fix; after approval it installs and runs', async () => {
    const cwd = bunProject({ plain: '1.0.0', 'adds-script': '1.1.0' }, world.registry.url, { scanner: true });
    const r = await bun(cwd, ['install'], world.registry.url);
    expect(r.code).not.toBe(0);
    // Bun 1.4.5 calls the scanner after resolving (packuments only), before it downloads any tarball
    const fromBun = world.registry.requests.filter((q) => String(q.headers['user-agent']).startsWith('Bun/'));
    expect(fromBun.map((q) => q.path).sort()).toEqual(['/adds-script', '/plain']);
    expect(r.output).toContain('FATAL: adds-script');
    expect(r.output).toContain(
      'sumgate QUARANTINE_ADDED: adds-script@1.1.0 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have',
    );
    expect(r.output).toContain('fix: sumgate approve adds-script@1.1.0');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/adds-script'))).toBe(false);

    world.approve(cwd, 'adds-script', '1.1.0');
    const ok = await bun(cwd, ['install'], world.registry.url);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain('sumgate: 2 packages verified against');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);

    // a bun.lock whose integrity disagrees with the log is refused before any tarball is fetched
    writeFileSync(
      path.join(cwd, 'bun.lock'),
      bunLock(cwd).replace(
        world.registry.integrityOf('plain', '1.0.0'),
        world.registry.integrityOf('adds-script', '1.0.0'),
      ),
    );
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const forged = await bun(
      cwd,
      ['install', '--frozen-lockfile'],
      world.registry.url,
      path.join(world.sandbox.root, 'bun-cache-2'),
    );
    expect(forged.code).not.toBe(0);
    expect(forged.output).toContain('FATAL: plain');
    expect(forged.output).toContain('LOG_MISMATCH');
    expect(existsSync(path.join(cwd, 'node_modules/plain'))).toBe(false);
  });
});

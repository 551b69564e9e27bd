/**
 * Yarn 1 (the `yarn1` devDependency, `npm:yarn@1.22.22`) installing through `sumgate proxy`:
 * verified packages, a tampering mirror passed over, a quarantined version refused (marker absent)
 * and installed after approval, `--frozen-lockfile` from the yarn.lock it wrote.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markerRuns } from '../harness/markers.js';
import { runYarn1 } from '../harness/npmClients.js';
import { useProxyWorld } from './proxyWorld.js';

const world = useProxyWorld('sumgate-proxy-yarn1');

const yarn1 = (
  cwd: string,
  args: string[],
  registry: string,
  cache = path.join(world.sandbox.root, 'yarn1-cache'),
) => runYarn1(args, { cwd, registry, cacheDir: cache });

describe('Yarn 1 through sumgate proxy', () => {
  it("installs verified packages; yarn.lock records the proxy URL with the sha1 and the log's integrity; a frozen reinstall goes through the proxy", async () => {
    const sources = [{ name: 'evil', url: world.evil.url }, world.honest()];
    const cwd = world.project({ plain: '1.0.0', 'with-dep': '1.0.0', 'same-script': '1.1.0' }, { sources });
    const proxy = await world.proxy(cwd);
    const r = await yarn1(cwd, ['install'], proxy.url);
    expect(r.code, r.output + proxy.output()).toBe(0);
    for (const pkg of ['plain@1.0.0', 'with-dep@1.0.0', 'dep-of-plain@2.0.0', 'same-script@1.1.0'])
      expect(proxy.output()).toMatch(new RegExp(`verified ${pkg} from fixture`));
    expect(proxy.output()).toContain('plain@1.0.0: source evil passed over (served sha512-');
    expect(existsSync(path.join(cwd, 'node_modules/plain/tampered.js'))).toBe(false);
    expect(markerRuns(world.markerDir, 'same-script')).toBe(1);
    const lock = readFileSync(path.join(cwd, 'yarn.lock'), 'utf8');
    expect(lock).toContain(`resolved "${proxy.url}plain/-/plain-1.0.0.tgz#`);
    expect(lock).toContain(`integrity ${world.registry.integrityOf('plain', '1.0.0')}`);

    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const before = proxy.verifiedCount('plain@1.0.0');
    const frozen = await yarn1(
      cwd,
      ['install', '--frozen-lockfile'],
      proxy.url,
      path.join(world.sandbox.root, 'yarn1-cache-2'),
    );
    expect(frozen.code, frozen.output + proxy.output()).toBe(0);
    expect(proxy.verifiedCount('plain@1.0.0')).toBe(before + 1);

    // the same lockfile against a proxy on another port (the first one stopped), the client configured for it
    await proxy.close();
    const moved = await world.proxy(cwd);
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const elsewhere = await yarn1(
      cwd,
      ['install', '--frozen-lockfile'],
      moved.url,
      path.join(world.sandbox.root, 'cache-moved'),
    );
    // it fetches the recorded URL (the stopped proxy), never the configured registry: keep the proxy's port
    // fixed
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.output).toContain(`connect ECONNREFUSED 127.0.0.1:${proxy.port}`);
    expect(moved.output()).not.toContain('verified');
  });

  it('refuses a version that adds a postinstall (403; the proxy prints the code, cause and fix); after approval it installs and runs', async () => {
    const cwd = world.project({ 'adds-script': '1.1.0' });
    const proxy = await world.proxy(cwd);
    const r = await yarn1(cwd, ['install'], proxy.url);
    expect(r.code).not.toBe(0);
    // Yarn 1 prints the status with Node's standard phrase, never the body: the proxy's output has the code,
    // cause and fix
    expect(r.output).toContain(
      `${proxy.url}adds-script/-/adds-script-1.1.0.tgz: Request failed "403 Forbidden"`,
    );
    expect(proxy.output()).toContain(
      '-> 403 sumgate QUARANTINE_ADDED: adds-script@1.1.0 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have; nothing was run (fix: sumgate approve adds-script@1.1.0)',
    );
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/adds-script'))).toBe(false);

    world.approve(cwd, 'adds-script', '1.1.0');
    const ok = await yarn1(cwd, ['install'], proxy.url);
    expect(ok.code, ok.output + proxy.output()).toBe(0);
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);
  });
});

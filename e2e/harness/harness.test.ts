/**
 * Fast checks of the harness pieces that do not need a package manager: tarball bytes, registry
 * routes and document shapes, mirrors, markers and the YAML writer.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureRegistry, startMirror, startTamperingMirror } from './fixtureRegistry.js';
import type { FixtureRegistry } from './fixtureRegistry.js';
import { makeMarkerDir, markerRuns, markerScript } from './markers.js';
import { packTarball, sri } from './tarball.js';
import { toYaml } from './yaml.js';

const hasTar = spawnSync('tar', ['--version']).status === 0;
const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

// biome-ignore lint/suspicious/noExplicitAny: the tests walk the served JSON as it comes, field by field
type PackumentJson = Record<string, any>;

describe('packTarball', () => {
  const files = {
    'package.json': '{"name":"x","version":"1.0.0"}\n',
    'lib/index.js': 'module.exports = 1;\n',
  };

  it('is deterministic and its SRI is sha512 of the bytes', () => {
    const a = packTarball(files);
    expect(
      packTarball({ 'lib/index.js': files['lib/index.js'], 'package.json': files['package.json'] }).equals(a),
    ).toBe(true);
    expect(sri(a)).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(sri(packTarball({ ...files, extra: '' }))).not.toBe(sri(a));
  });

  it('writes ustar headers whose checksum verifies (POSIX ustar: sum of header bytes, chksum as spaces)', () => {
    const tar = gunzipSync(packTarball(files));
    const header = tar.subarray(0, 512);
    const stored = parseInt(header.subarray(148, 154).toString('ascii'), 8);
    const copy = Buffer.from(header);
    copy.fill(0x20, 148, 156);
    expect(stored).toBe(copy.reduce((s, b) => s + b, 0));
    expect(header.subarray(257, 263).toString('latin1')).toBe('ustar\0');
    expect(header.subarray(0, 15).toString('ascii')).toBe('package/lib/ind');
  });

  it.skipIf(!hasTar)('is read back by tar, long paths included', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sumgate-tar-'));
    try {
      const long = `${'d/'.repeat(70)}file.txt`;
      writeFileSync(path.join(dir, 'x.tgz'), packTarball({ ...files, [long]: 'deep' }));
      execFileSync('tar', ['xzf', 'x.tgz'], { cwd: dir });
      expect(readFileSync(path.join(dir, 'package', long), 'utf8')).toBe('deep');
      expect(readFileSync(path.join(dir, 'package', 'lib/index.js'), 'utf8')).toBe(files['lib/index.js']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses paths that escape the package root', () => {
    expect(() => packTarball({ '../evil': 'x' })).toThrow(/unsafe/);
  });
});

describe('fixture registry', () => {
  let registry: FixtureRegistry;
  beforeAll(async () => {
    registry = await startFixtureRegistry({
      packages: [
        {
          name: '@scope/lib',
          versions: [
            {
              version: '1.0.0',
              packageJson: { scripts: { postinstall: 'node x.js', test: 'x' }, license: 'MIT' },
            },
            { version: '2.0.0', metadataOverride: { license: undefined, deprecated: 'use 3' } },
          ],
        },
        { name: 'gyp', versions: [{ version: '1.0.0', files: { 'binding.gyp': '{}' } }] },
      ],
    });
  });
  afterAll(() => registry.close());

  const get = async (
    url: string,
    accept?: string,
  ): Promise<{ status: number; type: string | null; body: PackumentJson }> => {
    const res = await fetch(url, accept === undefined ? {} : { headers: { accept } });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as PackumentJson,
    };
  };

  it('serves the full packument under both scoped path forms', async () => {
    for (const p of ['@scope%2flib', '@scope%2Flib', '@scope/lib']) {
      const { status, body } = await get(`${registry.url}${p}`);
      expect(status).toBe(200);
      expect(body.name).toBe('@scope/lib');
      expect(body['dist-tags']).toEqual({ latest: '2.0.0' });
      expect(Object.keys(body.time)).toEqual(['created', 'modified', '1.0.0', '2.0.0']);
      const v1 = body.versions['1.0.0'];
      expect(v1.scripts).toEqual({ postinstall: 'node x.js', test: 'x' });
      expect(v1.dist).toMatchObject({
        integrity: registry.integrityOf('@scope/lib', '1.0.0'),
        tarball: `${registry.url}@scope/lib/-/lib-1.0.0.tgz`,
      });
      expect(v1.dist.shasum).toMatch(/^[0-9a-f]{40}$/);
      expect(body.versions['2.0.0'].license).toBeUndefined();
      expect(body.versions['2.0.0'].deprecated).toBe('use 3');
    }
  });

  it('serves abbreviated documents with hasInstallScript and no scripts or time', async () => {
    const { type, body } = await get(`${registry.url}@scope%2flib`, CORGI);
    expect(type).toBe('application/vnd.npm.install-v1+json');
    expect(body.time).toBeUndefined();
    expect(typeof body.modified).toBe('string');
    expect(body.versions['1.0.0'].hasInstallScript).toBe(true);
    expect(body.versions['1.0.0'].scripts).toBeUndefined();
    expect(body.versions['1.0.0'].license).toBeUndefined();
    expect(body.versions['2.0.0'].hasInstallScript).toBeUndefined();
    expect((await get(`${registry.url}gyp`, CORGI)).body.versions['1.0.0'].hasInstallScript).toBe(true);
  });

  it('serves honest tarballs, 404s unknown names and records every request', async () => {
    registry.clearRequests();
    const res = await fetch(`${registry.url}@scope/lib/-/lib-1.0.0.tgz`, {
      headers: { authorization: 'Bearer t' },
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(sri(bytes)).toBe(registry.integrityOf('@scope/lib', '1.0.0'));
    expect((await get(`${registry.url}nope`)).status).toBe(404);
    expect((await fetch(`${registry.url}@scope/lib/-/lib-9.9.9.tgz`)).status).toBe(404);
    expect(registry.tarballRequests()).toEqual([
      '/@scope/lib/-/lib-1.0.0.tgz',
      '/@scope/lib/-/lib-9.9.9.tgz',
    ]);
    expect(registry.requests.map((r) => [r.kind, r.status, r.hasAuthorization])).toEqual([
      ['tarball', 200, true],
      ['packument', 404, false],
      ['tarball', 404, false],
    ]);
  });

  it('adds versions later, and mirrors see them', async () => {
    const mirror = await startMirror(registry);
    try {
      registry.addVersion('gyp', { version: '1.1.0' });
      const { body } = await get(`${mirror.url}gyp`);
      expect(body['dist-tags'].latest).toBe('1.1.0');
      expect(body.versions['1.1.0'].dist.tarball).toBe(`${mirror.url}gyp/-/gyp-1.1.0.tgz`);
      const bytes = Buffer.from(await (await fetch(`${mirror.url}gyp/-/gyp-1.1.0.tgz`)).arrayBuffer());
      expect(sri(bytes)).toBe(registry.integrityOf('gyp', '1.1.0'));
    } finally {
      await mirror.close();
    }
  });

  it('a tampering mirror keeps the honest integrity but serves other bytes', async () => {
    const mirror = await startTamperingMirror(registry, (name) => name === 'gyp');
    try {
      const { body } = await get(`${mirror.url}gyp`);
      expect(body.versions['1.0.0'].dist.integrity).toBe(registry.integrityOf('gyp', '1.0.0'));
      const bytes = Buffer.from(await (await fetch(`${mirror.url}gyp/-/gyp-1.0.0.tgz`)).arrayBuffer());
      expect(sri(bytes)).not.toBe(registry.integrityOf('gyp', '1.0.0'));
      expect(sri(bytes)).toBe(mirror.servedIntegrityOf('gyp', '1.0.0'));
      const other = Buffer.from(await (await fetch(`${mirror.url}@scope/lib/-/lib-1.0.0.tgz`)).arrayBuffer());
      expect(sri(other)).toBe(registry.integrityOf('@scope/lib', '1.0.0'));
    } finally {
      await mirror.close();
    }
  });

  it('points tarball URLs at another host when asked, and serves chosen bytes', async () => {
    const custom = Buffer.from('not a tarball');
    const meta = await startFixtureRegistry({
      packages: [{ name: 'a', versions: [{ version: '1.0.0' }] }],
      tarballHost: registry.url,
      tamper: () => custom,
    });
    try {
      const { body } = await get(`${meta.url}a`);
      expect(body.versions['1.0.0'].dist.tarball).toBe(`${registry.url}a/-/a-1.0.0.tgz`);
      expect(
        Buffer.from(await (await fetch(`${meta.url}a/-/a-1.0.0.tgz`)).arrayBuffer()).equals(custom),
      ).toBe(true);
    } finally {
      await meta.close();
    }
  });
});

describe('markers', () => {
  it('count the runs of a script', () => {
    const dir = makeMarkerDir();
    try {
      const script = markerScript(path.join(dir, 'nested'), 'pkg-postinstall');
      expect(markerRuns(path.join(dir, 'nested'), 'pkg-postinstall')).toBe(0);
      execFileSync(process.execPath, ['-e', script]);
      execFileSync(process.execPath, ['-e', script]);
      expect(markerRuns(path.join(dir, 'nested'), 'pkg-postinstall')).toBe(2);
      expect(() => markerScript('relative', 'x')).toThrow(/absolute/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('toYaml', () => {
  it('writes block YAML with quoted strings and keys', () => {
    expect(
      toYaml({ allowBuilds: { '@acme/util': true, esbuild: false }, list: ['a', 'b"c'], empty: {}, n: 0 }),
    ).toBe(
      'allowBuilds:\n  "@acme/util": true\n  esbuild: false\nlist:\n  - "a"\n  - "b\\"c"\nempty: {}\nn: 0\n',
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  importerSpecifiers,
  lockedExoticPackages,
  lockedRegistryPackages,
  parseDepPath,
} from '../../src/lockfile/pnpmLockfile.js';
import { parsePnpmLockText } from '../../src/lockfile/pnpmLockText.js';

const SRI = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;

describe('lockedRegistryPackages', () => {
  it('takes registry packages from both lockfile shapes and leaves git, directory and file resolutions alone', () => {
    const pkgs = lockedRegistryPackages({
      packages: {
        'is-number@7.0.0': { resolution: { integrity: SRI } },
        '/@scope/ui@1.2.3(react@18.0.0)': {
          resolution: { integrity: SRI, tarball: 'https://r.example/@scope/ui/-/ui-1.2.3.tgz' },
        },
        'aliased@1.0.0': { name: 'real-name', version: '1.0.0', resolution: { integrity: SRI } },
        'gitdep@https://codeload.example/x/y/tar.gz/abc': {
          resolution: { tarball: 'https://codeload.example/x/y/tar.gz/abc' },
        },
        'local@file:../local': { resolution: { type: 'directory', directory: '../local' } as never },
        'packed@file:./p.tgz': { resolution: { integrity: SRI, tarball: 'file:./p.tgz' } },
        'gitcommit@1.0.0': { resolution: { type: 'git', repo: 'x', commit: 'y' } as never },
      },
    });
    expect(pkgs).toEqual([
      { name: 'is-number', version: '7.0.0', integrity: SRI, tarballUrl: undefined },
      {
        name: '@scope/ui',
        version: '1.2.3',
        integrity: SRI,
        tarballUrl: 'https://r.example/@scope/ui/-/ui-1.2.3.tgz',
      },
      { name: 'real-name', version: '1.0.0', integrity: SRI, tarballUrl: undefined },
    ]);
  });

  it('parses depPaths with scopes, leading slashes and peer suffixes', () => {
    expect(parseDepPath('/@a/b@1.0.0(c@2.0.0)(d@3.0.0)')).toEqual({ name: '@a/b', version: '1.0.0' });
    expect(parseDepPath('left-pad@1.3.0')).toEqual({ name: 'left-pad', version: '1.3.0' });
    expect(parseDepPath('nonsense')).toBeUndefined();
  });

  it('calls an entry exotic by its depPath, whatever "version" it also carries (a tarball URL is not name@version)', () => {
    const lockfile = {
      importers: {
        '.': {
          dependencies: {
            'tar-dep': {
              specifier: 'https://t.example/tar-dep.tgz',
              version: 'https://t.example/tar-dep.tgz',
            },
          },
        },
        'packages/a': { specifiers: { gitdep: 'git+file:///r#0123456789012345678901234567890123456789' } },
      },
      packages: {
        'plain@1.0.0': { resolution: { integrity: SRI } },
        'tar-dep@https://t.example/tar-dep.tgz': {
          version: '1.0.0',
          resolution: { integrity: SRI, tarball: 'https://t.example/tar-dep.tgz' },
        },
        'gitdep@git+file:///r#0123456789012345678901234567890123456789': {
          version: '2.0.0',
          resolution: { type: 'git', repo: 'file:///r', commit: '0123456789012345678901234567890123456789' },
        },
        'local@file:../local': { resolution: { type: 'directory', directory: '../local' } },
      },
    };
    expect(lockedRegistryPackages(lockfile).map((p) => `${p.name}@${p.version}`)).toEqual(['plain@1.0.0']);
    expect(lockedExoticPackages(lockfile)).toEqual([
      {
        depPath: 'tar-dep@https://t.example/tar-dep.tgz',
        name: 'tar-dep',
        kind: 'tarball',
        integrity: SRI,
        commit: undefined,
        location: 'https://t.example/tar-dep.tgz',
      },
      {
        depPath: 'gitdep@git+file:///r#0123456789012345678901234567890123456789',
        name: 'gitdep',
        kind: 'git',
        integrity: undefined,
        commit: '0123456789012345678901234567890123456789',
        location: 'file:///r',
      },
      {
        depPath: 'local@file:../local',
        name: 'local',
        kind: 'local',
        integrity: undefined,
        commit: undefined,
        location: '../local',
      },
    ]);
    expect(importerSpecifiers(lockfile)).toEqual(
      new Map([
        ['tar-dep', new Set(['https://t.example/tar-dep.tgz'])],
        ['gitdep', new Set(['git+file:///r#0123456789012345678901234567890123456789'])],
      ]),
    );
  });
});

describe('parsePnpmLockText', () => {
  const text = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true

importers:

  .:
    dependencies:
      '@scope/ui':
        specifier: ^1.2.0
        version: 1.2.3(react@18.0.0)
      tar-dep:
        specifier: http://127.0.0.1:9/tar-dep/-/tar-dep-1.0.0.tgz
        version: http://127.0.0.1:9/tar-dep/-/tar-dep-1.0.0.tgz

packages:

  '@scope/ui@1.2.3':
    resolution: {integrity: ${SRI}, tarball: https://r.example/@scope/ui/-/ui-1.2.3.tgz}
    cpu: [x64]
    engines: {node: '>=18'}

  tar-dep@http://127.0.0.1:9/tar-dep/-/tar-dep-1.0.0.tgz:
    resolution: {integrity: ${SRI}, tarball: http://127.0.0.1:9/tar-dep/-/tar-dep-1.0.0.tgz}
    version: 1.0.0

  git-dep@git+file:///r#0123456789012345678901234567890123456789:
    resolution: {commit: 0123456789012345678901234567890123456789, repo: file:///r, type: git}
    version: 1.0.0

  block@2.0.0:
    resolution:
      integrity: ${SRI}

snapshots:

  '@scope/ui@1.2.3(react@18.0.0)': {}
`;

  it('reads what the lockfile readers need from pnpm 10/12 lockfile v9 text', () => {
    const lockfile = parsePnpmLockText(text);
    expect(lockedRegistryPackages(lockfile)).toEqual([
      {
        name: '@scope/ui',
        version: '1.2.3',
        integrity: SRI,
        tarballUrl: 'https://r.example/@scope/ui/-/ui-1.2.3.tgz',
      },
      { name: 'block', version: '2.0.0', integrity: SRI, tarballUrl: undefined },
    ]);
    expect(lockedExoticPackages(lockfile).map((e) => [e.name, e.kind, e.commit ?? e.integrity])).toEqual([
      ['tar-dep', 'tarball', SRI],
      ['git-dep', 'git', '0123456789012345678901234567890123456789'],
    ]);
    expect(importerSpecifiers(lockfile).get('tar-dep')).toEqual(
      new Set(['http://127.0.0.1:9/tar-dep/-/tar-dep-1.0.0.tgz']),
    );
  });

  it('reads a single-project v6 lockfile (top-level dependencies, /name@version keys)', () => {
    const v6 = `lockfileVersion: '6.0'\n\ndependencies:\n  plain:\n    specifier: 1.0.0\n    version: 1.0.0\n\npackages:\n\n  /plain@1.0.0:\n    resolution: {integrity: ${SRI}}\n    dev: false\n`;
    const lockfile = parsePnpmLockText(v6);
    expect(lockedRegistryPackages(lockfile)).toEqual([
      { name: 'plain', version: '1.0.0', integrity: SRI, tarballUrl: undefined },
    ]);
    expect(importerSpecifiers(lockfile).get('plain')).toEqual(new Set(['1.0.0']));
  });

  it('refuses a line that is not YAML it understands, naming the line', () => {
    expect(() => parsePnpmLockText('packages:\n  what is this\n')).toThrow(/line 2/);
  });
});

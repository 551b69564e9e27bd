import { describe, expect, it } from 'vitest';
import { parseList, parsePackageLock, parsePnpmLock, parseYarnLock } from '../src/lockfiles.js';

describe('lockfile parsers', () => {
  it('reads pnpm-lock.yaml v9 package keys (and v6 ones), skipping non-registry packages', () => {
    const v9 = [
      "lockfileVersion: '9.0'",
      'importers:',
      '  .:',
      '    dependencies:',
      '      a: {specifier: ^1.0.0, version: 1.0.0}',
      'packages:',
      '  a@1.0.0:',
      '    resolution: {integrity: sha512-x}',
      "  '@scope/b@2.0.0-rc.1':",
      '    resolution: {integrity: sha512-y}',
      '  c@https://codeload.github.com/x/y/tar.gz/abc:',
      '    resolution: {tarball: https://codeload.github.com/x/y/tar.gz/abc}',
      '  local@file:../local:',
      '    resolution: {directory: ../local}',
      'snapshots:',
      '  a@1.0.0: {}',
    ].join('\n');
    expect(parsePnpmLock(v9)).toEqual([
      { name: 'a', version: '1.0.0' },
      { name: '@scope/b', version: '2.0.0-rc.1' },
    ]);
    expect(
      parsePnpmLock("lockfileVersion: '6.0'\npackages:\n  /d@3.0.0(react@18.0.0):\n    resolution: {}\n"),
    ).toEqual([{ name: 'd', version: '3.0.0' }]);
  });

  it('reads package-lock.json v3, using "name" for aliases and skipping links and bundled packages', () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'root' },
        'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz' },
        'node_modules/a/node_modules/@s/b': {
          version: '2.0.0',
          resolved: 'https://registry.npmjs.org/@s/b/-/b-2.0.0.tgz',
        },
        'node_modules/alias': {
          name: 'real',
          version: '3.0.0',
          resolved: 'https://registry.npmjs.org/real/-/real-3.0.0.tgz',
        },
        'node_modules/linked': { resolved: 'packages/linked', link: true },
        'node_modules/git': { version: '1.0.0', resolved: 'git+ssh://git@github.com/x/y.git#abc' },
        'node_modules/x/node_modules/bundled': { version: '1.0.0', inBundle: true },
      },
    });
    expect(parsePackageLock(lock)).toEqual([
      { name: 'a', version: '1.0.0' },
      { name: '@s/b', version: '2.0.0' },
      { name: 'real', version: '3.0.0' },
    ]);
    expect(() => parsePackageLock('{"lockfileVersion":1,"dependencies":{}}')).toThrow(/lockfileVersion 1/);
  });

  it('reads yarn.lock (Berry and classic)', () => {
    const berry = [
      '__metadata:',
      '  version: 8',
      '',
      '"@s/b@npm:^2.0.0":',
      '  version: 2.0.1',
      '  resolution: "@s/b@npm:2.0.1"',
      '',
      '"root@workspace:.":',
      '  resolution: "root@workspace:."',
      '',
      '"p@patch:p@npm%3A1.0.0#~/.yarn/patches/p.patch":',
      '  resolution: "p@patch:p@npm%3A1.0.0#~/.yarn/patches/p.patch::version=1.0.0"',
    ].join('\n');
    expect(parseYarnLock(berry)).toEqual([{ name: '@s/b', version: '2.0.1' }]);
    const classic =
      '# yarn lockfile v1\n\n"@s/c@^1.0.0", "@s/c@^1.1.0":\n  version "1.2.0"\n  resolved "https://registry.yarnpkg.com/@s/c/-/c-1.2.0.tgz"\n\nd@~2:\n  version "2.0.3"\n';
    expect(parseYarnLock(classic)).toEqual([
      { name: '@s/c', version: '1.2.0' },
      { name: 'd', version: '2.0.3' },
    ]);
  });

  it('reads list files and refuses lines that are not exact versions', () => {
    expect(parseList('# deps\nlodash@4.17.21\n\n@types/node@20.11.0  # pinned\n')).toEqual([
      { name: 'lodash', version: '4.17.21' },
      { name: '@types/node', version: '20.11.0' },
    ]);
    expect(() => parseList('lodash@^4\n')).toThrow(/line 1 of the list is not name@version/);
  });
});

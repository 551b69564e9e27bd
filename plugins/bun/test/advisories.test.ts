import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { advisoryOf, registryRefs } from '../src/advisories.js';
import { bunLockIntegrities } from '../src/bunLockIntegrity.js';
import { SumgateError } from '@sumgate/core';

const root = '/work/project';
const pkg = (
  name: string,
  version: string,
  requestedRange: string,
  tarball = `http://r.example/${name}/-/${name}-${version}.tgz`,
) => ({ name, version, requestedRange, tarball });

describe('registryRefs', () => {
  it("registry packages become refs with bun.lock's integrity and the tarball URL", () => {
    const { refs, exotic } = registryRefs(
      [pkg('a', '1.0.0', '^1.0.0'), pkg('b', '2.0.0', 'npm:b@2')],
      new Map([['a@1.0.0', 'sha512-A']]),
      root,
    );
    expect(exotic).toEqual([]);
    expect(refs).toEqual([
      { name: 'a', version: '1.0.0', integrity: 'sha512-A', tarballUrl: 'http://r.example/a/-/a-1.0.0.tgz' },
      { name: 'b', version: '2.0.0', integrity: undefined, tarballUrl: 'http://r.example/b/-/b-2.0.0.tgz' },
    ]);
  });

  it("workspace packages and paths inside the workspace are the project's own; git, tarball URLs and outside paths are refused", () => {
    const { refs, exotic } = registryRefs(
      [
        pkg('w', '1.0.0', 'workspace:*', ''),
        pkg('l', '1.0.0', 'file:./packages/l', `${root}/packages/l`),
        pkg('g', '1.0.0', 'github:user/g', 'https://api.github.com/repos/user/g/tarball/abc'),
        pkg('t', '1.0.0', 'https://files.example/t.tgz', 'https://files.example/t.tgz'),
        pkg('o', '1.0.0', 'file:../outside', '/work/outside'),
      ],
      new Map(),
      root,
    );
    expect(refs).toEqual([]);
    expect(exotic.map((a) => a.package)).toEqual(['g', 't', 'o']);
    expect(
      exotic.every(
        (a) => a.level === 'fatal' && a.description?.startsWith('sumgate EXOTIC_SOURCE: ') === true,
      ),
    ).toBe(true);
  });

  it('an advisory carries the code, the cause and the fix', () => {
    expect(
      advisoryOf(
        'x',
        new SumgateError('QUARANTINE_ADDED', 'x@1.1.0 is quarantined', { fix: 'sumgate approve x@1.1.0' }),
      ),
    ).toEqual({
      level: 'fatal',
      package: 'x',
      url: null,
      description: 'sumgate QUARANTINE_ADDED: x@1.1.0 is quarantined\nfix: sumgate approve x@1.1.0',
    });
  });
});

describe('bunLockIntegrities', () => {
  const dir = () => mkdtempSync(path.join(tmpdir(), 'sumgate-bunlock-'));

  it('reads name@version -> sha512 from bun.lock (JSONC with trailing commas)', () => {
    const d = dir();
    writeFileSync(
      path.join(d, 'bun.lock'),
      `{
  "lockfileVersion": 2,
  "workspaces": { "": { "name": "p", "dependencies": { "a": "1.0.0", }, }, },
  "packages": {
    "a": ["a@1.0.0", "http://r/a/-/a-1.0.0.tgz", {}, "sha512-A"],
    "@s/b": ["@s/b@2.0.0", "", { "dependencies": { "a": "^1" } }, "sha512-B"],
    "w": ["w@workspace:packages/w"],
  },
}`,
    );
    expect(bunLockIntegrities(d)).toEqual(
      new Map([
        ['a@1.0.0', 'sha512-A'],
        ['@s/b@2.0.0', 'sha512-B'],
      ]),
    );
  });

  it('no bun.lock is nothing locked; a damaged one is an error, never "nothing locked"', () => {
    expect(bunLockIntegrities(dir()).size).toBe(0);
    const d = dir();
    writeFileSync(path.join(d, 'bun.lock'), '{ "packages": { "a": ["a@1.0.0", ');
    expect(() => bunLockIntegrities(d)).toThrow();
  });
});

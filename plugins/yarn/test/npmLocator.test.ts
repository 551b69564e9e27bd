import { structUtils } from '@yarnpkg/core';
import { describe, expect, it } from 'vitest';
import { archiveUrlOf, isNpmRegistryLocator, packageRefOf } from '../src/npmLocator.js';

const locator = (name: string, reference: string) =>
  structUtils.makeLocator(structUtils.parseIdent(name), reference);

describe('npm registry locators', () => {
  it('takes what NpmSemverFetcher and NpmHttpFetcher take', () => {
    expect(isNpmRegistryLocator(locator('is-number', 'npm:7.0.0'))).toBe(true);
    expect(isNpmRegistryLocator(locator('@scope/pkg', 'npm:1.0.0-beta.1'))).toBe(true);
    expect(
      isNpmRegistryLocator(locator('pkg', 'npm:1.0.0::__archiveUrl=https%3A%2F%2Fcdn.example%2Fpkg.tgz')),
    ).toBe(true);
  });

  it('leaves other protocols and non-versions to Yarn', () => {
    expect(isNpmRegistryLocator(locator('pkg', 'npm:^1.0.0'))).toBe(false);
    expect(isNpmRegistryLocator(locator('pkg', 'workspace:.'))).toBe(false);
    expect(isNpmRegistryLocator(locator('pkg', 'https://example.com/pkg.tgz'))).toBe(false);
    expect(
      isNpmRegistryLocator(locator('pkg', 'patch:pkg@npm%3A1.0.0#./p.patch::locator=x%40workspace%3A.')),
    ).toBe(false);
  });

  it('names the package, version and locked archive URL for the core', () => {
    expect(packageRefOf(locator('@scope/pkg', 'npm:1.2.3'))).toEqual({
      name: '@scope/pkg',
      version: '1.2.3',
      integrity: undefined,
      tarballUrl: undefined,
    });
    const off = locator('pkg', 'npm:1.0.0::__archiveUrl=https%3A%2F%2Fcdn.example%2Fpkg.tgz');
    expect(archiveUrlOf(off)).toBe('https://cdn.example/pkg.tgz');
    expect(packageRefOf(off, 'sha512-a')).toEqual({
      name: 'pkg',
      version: '1.0.0',
      integrity: 'sha512-a',
      tarballUrl: 'https://cdn.example/pkg.tgz',
    });
  });
});

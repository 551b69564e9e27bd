import { describe, expect, it } from 'vitest';
import { previousVersion } from '../../src/verdict/previousVersion.js';

describe('previousVersion', () => {
  const published = [
    '0.9.0',
    '1.0.0',
    '1.1.0',
    '2.0.0-beta.1',
    '2.0.0-beta.2',
    '2.0.0',
    '1.2.0',
    'not-semver',
  ];
  it.each([
    ['1.1.0', '1.0.0'],
    ['2.0.0', '1.2.0'], // stable compares with the highest lower stable: prereleases do not launder code
    ['2.0.0-beta.2', '2.0.0-beta.1'],
    ['2.0.0-beta.1', '1.2.0'],
    ['0.9.0', undefined],
    ['1.2.0', '1.1.0'], // publish order does not matter, semver order does
    ['3.0.0', '2.0.0'],
  ])('%s -> %s', (v, expected) => {
    expect(previousVersion(v, published)).toBe(expected);
  });
});

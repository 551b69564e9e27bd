import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { isCanonicalVersion } from '../../src/record/canonicalVersion.js';

describe('isCanonicalVersion: semver.valid(v) === v, with plain x.y.z answered without semver', () => {
  it('agrees with semver on edge cases and on generated versions, both answers occurring', () => {
    const edge = [
      '0.0.0',
      '1.2.3',
      '01.2.3',
      '1.02.3',
      '1.2.03',
      '1.2',
      '1.2.3.4',
      'v1.2.3',
      ' 1.2.3',
      '1.2.3 ',
      '=1.2.3',
      '1.2.3-beta.1',
      '1.2.3-01',
      '1.2.3+build.5',
      '1.2.3-rc.1+b',
      `${Number.MAX_SAFE_INTEGER}.0.0`,
      `0.${Number.MAX_SAFE_INTEGER}.0`,
      `0.0.${Number.MAX_SAFE_INTEGER}`,
      `${Number.MAX_SAFE_INTEGER + 1}.0.0`,
      '9007199254740993.0.0',
      '0.0.99999999999999999999',
      '1.2.3\n',
      '１.2.3',
      '',
    ];
    const digits = ['0', '1', '9', '00', '01', '10', '123', '9007199254740991', '9007199254740992'];
    const generated = digits.flatMap((a) => digits.flatMap((b) => digits.map((c) => `${a}.${b}.${c}`)));
    const answers = new Set<boolean>();
    for (const v of [...edge, ...generated]) {
      const expected = semver.valid(v) === v;
      expect(isCanonicalVersion(v), JSON.stringify(v)).toBe(expected);
      answers.add(expected);
    }
    expect([...answers].sort()).toEqual([false, true]);
  });
});

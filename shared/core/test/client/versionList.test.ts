/** The log's version list on the wire (docs/version-list.md): its path, and a parser that trusts nothing. */
import { describe, expect, it } from 'vitest';
import { isSumgateError } from '../../src/errors.js';
import { parseVersionList, versionListPath } from '../../src/client/versionList.js';

const URL = 'http://127.0.0.1:1/';
const ok = {
  name: '@Scope/pkg',
  below: '2.0.0+build.1',
  versions: [
    { version: '1.1.0', logged: false },
    { version: '1.0.0', logged: true },
  ],
  truncated: false,
  upstream: 'listed',
};
const parse = (doc: unknown) =>
  parseVersionList(
    Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)),
    URL,
    '@Scope/pkg',
    '2.0.0+build.1',
  );

describe('the version list', () => {
  it('is asked for by escaped name, with the version encoded and the walk limit', () => {
    expect(versionListPath('@Scope/pkg', '2.0.0+build.1')).toBe(
      'versions/@!scope/pkg?below=2.0.0%2Bbuild.1&limit=64',
    );
  });

  it('parses the documented object', () => {
    expect(parse(ok)).toEqual(ok);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', []],
    ['another name', { ...ok, name: '@scope/pkg' }],
    ['another version', { ...ok, below: '2.0.0' }],
    ['no truncated', { ...ok, truncated: undefined }],
    ['an unknown upstream', { ...ok, upstream: 'maybe' }],
    ['versions not an array', { ...ok, versions: {} }],
    ['an entry without logged', { ...ok, versions: [{ version: '1.0.0' }] }],
    ['a version that is not semver', { ...ok, versions: [{ version: 'v1.0.0', logged: true }] }],
    ['a version listed twice', { ...ok, versions: [ok.versions[1], ok.versions[1]] }],
    [
      'more than 256 versions',
      { ...ok, versions: Array.from({ length: 257 }, (_, i) => ({ version: `0.0.${i}`, logged: true })) },
    ],
  ])('refuses %s (MALFORMED_PROOF naming the log and the package)', (_why, doc) => {
    let err: unknown;
    try {
      parse(doc);
    } catch (e) {
      err = e;
    }
    expect(isSumgateError(err) && err.code).toBe('MALFORMED_PROOF');
    expect((err as Error).message).toContain(`checksum log ${URL}: malformed version list of @Scope/pkg`);
  });
});

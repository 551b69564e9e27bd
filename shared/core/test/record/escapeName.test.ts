import { describe, expect, it } from 'vitest';
import { escapeName, unescapeName } from '../../src/record/escapeName.js';

describe('escapeName / unescapeName', () => {
  const table: Array<[string, string]> = [
    ['lodash', 'lodash'],
    ['@types/node', '@types/node'],
    ['@babel/plugin-transform-runtime', '@babel/plugin-transform-runtime'],
    ['JSONStream', '!j!s!o!n!stream'],
    ['@Scope/Name', '@!scope/!name'],
    ['a.b_c~d-e', 'a.b_c~d-e'],
    ['100%', '100%25'],
    ['x!y', 'x%21y'],
    ['sp ace', 'sp%20ace'],
    ['a/b', 'a%2Fb'], // not a scoped name: the slash is escaped
    ['@a', '%40a'],
    ['@/x', '%40%2Fx'],
    ['@a/b/c', '%40a%2Fb%2Fc'],
    ['@@a/b', '@%40a/b'],
    ['café', 'caf%C3%A9'],
    ['\u0007bell', '%07bell'],
  ];

  it.each(table)('%j <-> %j', (name, escaped) => {
    expect(escapeName(name)).toBe(escaped);
    expect(unescapeName(escaped)).toBe(name);
  });

  it('keeps names that differ only in case apart, using only lowercase ASCII', () => {
    expect(escapeName('Foo')).not.toBe(escapeName('foo'));
    expect(escapeName('Foo').toLowerCase()).toBe(escapeName('Foo'));
  });

  const nonCanonical: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Foo', /must be escaped/],
    ['a!B', /lowercase letter/],
    ['a!', /lowercase letter/],
    ['a%2f', /uppercase hex/],
    ['a%2', /uppercase hex/],
    ['%61', /shorter form/], // 'a' must be literal
    ['%41', /shorter form/], // 'A' must be !a
    ['a/b', /must be escaped/],
    ['@a', /scoped name/],
    ['@a/b/c', /scoped name/],
    ['%40a%2Fb', /not the canonical escaping/], // must be @a/b
    ['%C3', /UTF-8/],
    ['a b', /must be escaped/],
  ];

  it.each(nonCanonical)('unescapeName rejects %j', (escaped, message) => {
    expect(() => unescapeName(escaped)).toThrow(
      expect.objectContaining({ code: 'MALFORMED_RECORD', message: expect.stringMatching(message) }),
    );
  });

  it('escapeName rejects empty, ill-formed and oversized names', () => {
    for (const bad of ['', 'a\uD800b', 'x'.repeat(1025)]) {
      expect(() => escapeName(bad)).toThrow(expect.objectContaining({ code: 'MALFORMED_RECORD' }));
    }
  });

  it('round-trips every single byte character', () => {
    for (let c = 0; c < 0x80; c++) {
      const name = `a${String.fromCharCode(c)}b`;
      expect(unescapeName(escapeName(name))).toBe(name);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { stripJsonComments } from '../../src/policy/jsonc.js';

describe('stripJsonComments', () => {
  it.each([
    ['{"a": "x // not a comment, }", // real\n "b": [1, 2,],\n}', { a: 'x // not a comment, }', b: [1, 2] }],
    [
      '{"a": "quote \\" /* still a string */", /* c */ "b": 1, /* trailing */ }',
      { a: 'quote " /* still a string */', b: 1 },
    ],
    ['[1, // one\n 2, // two\n]', [1, 2]],
    ['{"url": "http://127.0.0.1/"}', { url: 'http://127.0.0.1/' }],
  ])('%s', (text, expected) => {
    const stripped = stripJsonComments(text);
    expect(stripped).toHaveLength(text.length); // offsets still point into the original
    expect(JSON.parse(stripped)).toEqual(expected);
  });

  it('leaves a comma that is not trailing alone, so invalid JSON stays invalid', () => {
    expect(() => JSON.parse(stripJsonComments('{"a": 1,, }'))).toThrow();
  });
});

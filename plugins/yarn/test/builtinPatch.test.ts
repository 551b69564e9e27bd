import { describe, expect, it } from 'vitest';
import { builtinPatchedRange } from '../src/builtinPatch.js';

describe("Yarn's built-in compat patches", () => {
  it('are judged by the range they patch (a registry range for typescript, resolve, fsevents)', () => {
    expect(builtinPatchedRange('patch:resolve@npm%3A^1.22.8#optional!builtin<compat/resolve>')).toBe(
      'npm:^1.22.8',
    );
    expect(builtinPatchedRange('patch:typescript@npm%3A5.8.3#optional!builtin<compat/typescript>')).toBe(
      'npm:5.8.3',
    );
    expect(builtinPatchedRange('patch:fsevents@npm%3A~2.3.2#builtin<compat/fsevents>')).toBe('npm:~2.3.2');
  });

  it('keep an exotic inner range exotic: what is patched is judged as it is', () => {
    expect(
      builtinPatchedRange('patch:resolve@https%3A//example.com/resolve.tgz#optional!builtin<compat/resolve>'),
    ).toBe('https://example.com/resolve.tgz');
  });

  it("leave a user's patch file, mixed or not, and non-patch ranges alone", () => {
    expect(builtinPatchedRange('patch:pkg@npm%3A1.0.0#./p.patch::locator=x%40workspace%3A.')).toBeUndefined();
    expect(
      builtinPatchedRange('patch:pkg@npm%3A1.0.0#optional!builtin<compat/x>&./my.patch'),
    ).toBeUndefined();
    expect(builtinPatchedRange('npm:^1.22.8')).toBeUndefined();
    expect(builtinPatchedRange('^1.22.8')).toBeUndefined();
  });
});

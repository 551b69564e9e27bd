import { describe, expect, it } from 'vitest';
import { installCodeOf } from '@sumgate/core';
import { renderCodeDiff } from '../src/approve/renderCodeDiff.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('sumgate approve: what widened the install code', () => {
  it('names a computed require and the dependencies on the PATH', () => {
    const files = new Map([
      ['i.js', enc('require("./plugins/" + name)')],
      ['plugins/a.js', enc('a()')],
    ]);
    const manifest = {
      name: 'p',
      version: '1.0.0',
      scripts: { postinstall: 'node i.js' },
      dependencies: { helper: '^1.0.0' },
    };
    const installCode = installCodeOf(manifest, files);
    const text = renderCodeDiff(
      { name: 'p', version: '1.0.0', source: 'fixture', leaf: 1, installCode, contents: files },
      undefined,
      undefined,
    );
    expect(text).toContain(
      'widened: i.js `require("./plugins/" + name)` (require() with a computed argument) can reach files starting "plugins/"; 1 file added to the install code',
    );
    expect(text).toContain("dependencies (their bins are on the hooks' PATH): helper");
    expect(text).toContain('plugins/a.js');
  });
});

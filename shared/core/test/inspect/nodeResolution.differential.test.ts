/**
 * A second, deliberately simple implementation of "what `node <word>` runs": write the files to a
 * real folder and ask Node itself (require.resolve, the resolution `node <path>` uses for its entry).
 * nodeResolution.ts must agree on every layout of a set of candidate files and `main` values.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveNodePath } from '../../src/inspect/nodeResolution.js';

const CANDIDATES = [
  'lib.js',
  'lib.json',
  'lib.node',
  'lib/index.js',
  'lib/index.json',
  'lib/evil.js',
  'lib/sub/index.js',
];
const MAINS: Array<string | undefined> = [
  undefined,
  'evil.js',
  'evil',
  './sub',
  'missing.js',
  'sub/',
  '../lib.js',
];
// Node warns (DEP0128) about each main that resolves nowhere: expected here
process.noDeprecation = true;
const root = mkdtempSync(path.join(tmpdir(), 'sumgate-resolve-'));
const req = createRequire(path.join(root, 'x.js'));

function nodeSays(dir: string): string | undefined {
  try {
    return path
      .relative(dir, req.resolve(path.join(dir, 'lib')))
      .split(path.sep)
      .join('/');
  } catch {
    return undefined;
  }
}

describe('nodeResolution agrees with Node', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(`on ${2 ** CANDIDATES.length * MAINS.length} layouts`, () => {
    let n = 0;
    let compared = 0;
    for (let mask = 0; mask < 2 ** CANDIDATES.length; mask++) {
      for (const main of MAINS) {
        const files = new Map<string, Uint8Array>();
        CANDIDATES.forEach((c, i) => {
          if ((mask & (1 << i)) !== 0)
            files.set(c, new TextEncoder().encode(c.endsWith('.json') ? '{}' : ''));
        });
        if (main !== undefined)
          files.set('lib/package.json', new TextEncoder().encode(JSON.stringify({ main })));
        // Node needs a folder for lib/ files and no file named `lib` beside it
        const dir = path.join(root, String(n++));
        for (const [p, bytes] of files) {
          mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
          writeFileSync(path.join(dir, p), bytes);
        }
        mkdirSync(dir, { recursive: true });
        const ours = resolveNodePath((p) => files.get(p), 'lib').file;
        const node = nodeSays(dir);
        // `../lib.js` from lib/ leaves nothing: Node resolves it to lib.js, which is inside the package too
        expect({ mask, main, ours }).toEqual({ mask, main, ours: node });
        compared++;
      }
    }
    expect(compared).toBe(2 ** CANDIDATES.length * MAINS.length);
  });
});

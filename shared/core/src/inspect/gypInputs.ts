/**
 * What node-gyp reads when it runs: binding.gyp and every .gyp/.gypi it includes (any string in a
 * gyp file naming an existing .gyp/.gypi, relative to that file's folder: `includes`, `dependencies`
 * like 'other.gyp:target', conditions), followed transitively, hashed as bytes. Command expansions
 * (`<!(node script.js)`, `<!@(...)`) run at configure time: their path words are returned as entries.
 */
import { posix } from 'node:path';
import { packageRelative } from './nodeResolution.js';
import type { ReadFile } from './nodeResolution.js';

export interface GypInputs {
  readonly gypFiles: string[];
  /** Path words of command expansions, relative to the package root. */
  readonly commandWords: string[];
}

const STRING = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;

export function gypInputs(read: ReadFile, root = 'binding.gyp'): GypInputs {
  const gypFiles: string[] = [];
  const commandWords: string[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (gypFiles.includes(file)) continue;
    const bytes = read(file);
    if (bytes === undefined) continue;
    gypFiles.push(file);
    const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file);
    const text = new TextDecoder().decode(bytes);
    for (const m of text.matchAll(STRING)) {
      const s = m[1] ?? m[2] ?? '';
      const expansion = /<!@?\((.*)\)/s.exec(s);
      if (expansion !== null)
        commandWords.push(
          ...expansion[1]!
            .split(/[\s;&|()<>`'"]+/)
            .filter((w) => w.length > 0)
            .map((w) => packageRelative(dir, w))
            .filter((w): w is string => w !== undefined),
        );
      const gypRef = s.split(':')[0]!;
      if (/\.gypi?$/.test(gypRef)) {
        const target = packageRelative(dir, gypRef);
        if (target !== undefined) queue.push(target);
      }
    }
  }
  return { gypFiles, commandWords };
}

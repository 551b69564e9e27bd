/**
 * One temp root per scenario holding everything a package manager may write: the project, its
 * HOME, the store and caches. Nothing outside it is touched, so scenarios never share state by
 * accident, and a rerun "with the same store" is a deliberate reuse of `storeDir`/`cacheDir`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from './packageManagers.js';

export interface Sandbox {
  readonly root: string;
  /** Where makeProject should write the project (`<root>/project`, not yet created). */
  readonly projectDir: string;
  /** The project's HOME (`<root>/project.home`, runPnpm/runYarn's default for projectDir). */
  readonly home: string;
  readonly storeDir: string;
  readonly cacheDir: string;
  remove(): void;
}

export function makeSandbox(prefix = 'sumgate-e2e'): Sandbox {
  const root = makeTempDir(prefix);
  const projectDir = path.join(root, 'project');
  const storeDir = path.join(root, 'store');
  const cacheDir = path.join(root, 'cache');
  mkdirSync(storeDir);
  mkdirSync(cacheDir);
  return {
    root,
    projectDir,
    home: `${projectDir}.home`,
    storeDir,
    cacheDir,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

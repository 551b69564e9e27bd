/**
 * sumgate for pnpm: the `.pnpmfile.cjs` a workspace drops at its root, and the `pnpmfile.cjs` of
 * the config-dependency plugin `pnpm-plugin-sumgate`. Exports both hook APIs: pnpm 10 reads
 * `hooks.fetchers`, pnpm 12 reads the top-level `fetchers`; each ignores the other's.
 */
import {
  afterAllResolved,
  pnpm10Fetchers,
  pnpm12Fetchers,
  preResolution,
  readPackage,
  updateConfig,
} from './hooks.js';

export const hooks = {
  preResolution,
  readPackage,
  afterAllResolved,
  updateConfig,
  fetchers: pnpm10Fetchers,
};

export const fetchers = pnpm12Fetchers;

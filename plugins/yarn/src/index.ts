/**
 * @yarnpkg/plugin-sumgate: verified npm installs for Yarn 4 (Berry).
 *
 * Layers, in the order an install meets them:
 * 1. validateProject (lockedPackages.ts): the policy is loaded and the lockfile's packages proven in
 *    the log before resolution and before any download.
 * 2. The verifying npm fetcher (VerifyingNpmFetcher.ts), placed ahead of Yarn's own npm fetchers:
 *    downloads, sha512 against the log, install-time code and quarantine, then the zip.
 * 3. Archive bindings (archiveBinding.ts): cache hits are checked on every fetch.
 * 4. wrapScriptExecution (scriptGuard.ts): install scripts of unverified or refused packages do not run.
 * 5. reduceDependency (exoticGate.ts), while Yarn resolves: tarball-URL, git and out-of-workspace
 *    path dependencies are refused unless the policy pins them; the pinned ones are inspected at the
 *    pin, and a tarball's bytes reach Yarn only through VerifyingTarballFetcher.
 */
import type { Hooks, Plugin } from '@yarnpkg/core';
import * as httpModule from '@yarnpkg/plugin-http';
import * as npmModule from '@yarnpkg/plugin-npm';
import { gateExoticDependency } from './exoticGate.js';
import { reportInstallSummary } from './installSummary.js';
import { validateLockedPackages } from './lockedPackages.js';
import { guardInstallScript } from './scriptGuard.js';
import { configuration } from './settings.js';
import { VERIFYING_FETCHER, VerifyingNpmFetcher } from './VerifyingNpmFetcher.js';
import { VERIFYING_TARBALL_FETCHER, VerifyingTarballFetcher } from './VerifyingTarballFetcher.js';

/**
 * A built-in plugin object (npm, http). Yarn tries fetchers in plugin load order, built-ins first,
 * so a third-party fetcher never sees their packages unless it is put in front of their own.
 * Yarn's runtime modules carry no `__esModule` flag, so a bundler's interop may wrap the exports
 * once more: unwrap until the object that has `fetchers`.
 */
function builtinPlugin(module: unknown, name: string): Plugin {
  let candidate: unknown = module;
  for (let i = 0; i < 3 && candidate !== null && typeof candidate === 'object'; i++) {
    if (Array.isArray((candidate as Plugin).fetchers)) return candidate as Plugin;
    candidate = (candidate as { default?: unknown }).default;
  }
  throw new Error(
    `sumgate: cannot find the fetchers of @yarnpkg/${name}; this Yarn version is not supported`,
  );
}

/**
 * Puts a verifying fetcher first in a built-in plugin's list. Each load of the plugin evaluates
 * this file again (a new class), so one from an earlier load is replaced: fetcher and hooks then
 * share one module state.
 */
function registerFetcher(
  module: unknown,
  name: string,
  fetcher: Plugin['fetchers'] extends Array<infer F> | undefined ? F : never,
  mark: symbol,
): void {
  const fetchers = builtinPlugin(module, name).fetchers!;
  for (let i = fetchers.length - 1; i >= 0; i--) {
    if ((fetchers[i] as unknown as Record<symbol, unknown>)[mark] === true) fetchers.splice(i, 1);
  }
  fetchers.unshift(fetcher);
}

registerFetcher(npmModule, 'plugin-npm', VerifyingNpmFetcher, VERIFYING_FETCHER);
registerFetcher(httpModule, 'plugin-http', VerifyingTarballFetcher, VERIFYING_TARBALL_FETCHER);

const plugin: Plugin<Hooks> = {
  configuration,
  hooks: {
    validateProject: validateLockedPackages,
    reduceDependency: gateExoticDependency,
    wrapScriptExecution: guardInstallScript,
    afterAllInstalled: (project, options) => reportInstallSummary(project, options.report),
  },
};

export default plugin;

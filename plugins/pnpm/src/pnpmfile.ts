/**
 * sumgate for pnpm: the `.pnpmfile.cjs` a workspace drops at its root, and the `pnpmfile.cjs` of
 * the config-dependency plugin `pnpm-plugin-sumgate`. Exports both hook APIs: pnpm 10 reads
 * `hooks.fetchers`, pnpm 12 the top-level `fetchers`; each ignores the other's.
 *
 * This entry is small and loads the hooks (and the whole core) on the first call that needs them
 * (`require`, which the CommonJS bundle evaluates lazily): pnpm 12 loads the pnpmfile in two Node
 * workers, and its config worker, which only runs updateConfig, then loads the core only when
 * there are overrides to judge. pnpm 10 runs everything in one process and loads it once.
 */
import type * as Hooks from './hooks.js';
import { overridesPresent } from './overridesPresent.js';
import { isVerifiedByFetcher } from './resolutionKind.js';
import type { TarballResolution } from './resolutionKind.js';

let loaded: typeof Hooks | undefined;
const core = (): typeof Hooks => {
  loaded ??= require('./hooks.js') as typeof Hooks;
  return loaded;
};

type Args<K extends keyof typeof Hooks> = (typeof Hooks)[K] extends (...a: infer A) => unknown ? A : never;
type Pnpm10RemoteTarball = (typeof Hooks)['pnpm10Fetchers']['remoteTarball'];
type Pnpm12Fetch = (typeof Hooks)['pnpm12Fetchers'][number]['fetch'];

export const hooks = {
  preResolution: (...a: Args<'preResolution'>) => core().preResolution(...a),
  readPackage: <T extends Parameters<typeof Hooks.readPackage>[0]>(pkg: T): Promise<T> =>
    core().readPackage(pkg),
  afterAllResolved: <T extends object>(lockfile: T): Promise<T> => core().afterAllResolved(lockfile),
  async updateConfig<T extends { overrides?: Record<string, unknown>; lockfileDir?: string; dir?: string }>(
    config: T,
  ): Promise<T> {
    if (!overridesPresent(config.overrides, config.lockfileDir ?? config.dir ?? process.cwd())) return config;
    return core().updateConfig(config);
  },
  fetchers: {
    remoteTarball: (...a: Parameters<Pnpm10RemoteTarball>) => core().pnpm10Fetchers.remoteTarball(...a),
  },
};

export const fetchers = [
  {
    canFetch(_pkgId: string, resolution: TarballResolution): boolean {
      return isVerifiedByFetcher(resolution);
    },
    fetch: (...a: Parameters<Pnpm12Fetch>) => core().pnpm12Fetchers[0]!.fetch(...a),
  },
];

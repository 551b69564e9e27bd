import { SettingsType } from '@yarnpkg/core';
import type { Configuration } from '@yarnpkg/core';
import { npath } from '@yarnpkg/fslib';
import type { PortablePath } from '@yarnpkg/fslib';

declare module '@yarnpkg/core' {
  interface ConfigurationValueMap {
    sumgatePolicy: PortablePath | null;
  }
}

/**
 * The plugin's only `.yarnrc.yml` setting: where the policy file is. Relative values resolve
 * against the rc file that sets them; the default against the project root. Declare it only after
 * `yarn plugin import` (Yarn refuses unknown settings while the plugin is not loaded).
 */
export const configuration = {
  sumgatePolicy: {
    description: 'Path to the sumgate policy (sumgate.jsonc); default: the one at the project root',
    type: SettingsType.ABSOLUTE_PATH,
    default: './sumgate.jsonc',
    isNullable: true,
  },
} as const;

/**
 * The policy path as a native path when the setting is given (rc file or YARN_SUMGATE_POLICY);
 * otherwise undefined, and the core takes SUMGATE_POLICY or the workspace root's sumgate.jsonc,
 * as the pnpm adapter and the CLI do.
 */
export function policyFileOf(config: Configuration): string | undefined {
  if (!config.sources.has('sumgatePolicy')) return undefined;
  const p = config.get('sumgatePolicy');
  return p === null ? undefined : npath.fromPortablePath(p);
}

import { isSemver } from '@sumgate/core';
import { UsageError } from './args.js';

export interface PkgSpec {
  readonly name: string;
  readonly version: string;
}

/** `name@version` or `@scope/name@version` with an exact semver version, as `approve` and `explain` take it. */
export function parsePkgSpec(arg: string | undefined): PkgSpec {
  if (arg === undefined) throw new UsageError('give one package as <name>@<version>, e.g. esbuild@0.25.0');
  const at = arg.lastIndexOf('@');
  const name = at > 0 ? arg.slice(0, at) : '';
  const version = at > 0 ? arg.slice(at + 1) : '';
  if (name === '' || !/^(@[^@/\s]+\/)?[^@/\s]+$/.test(name))
    throw new UsageError(`"${arg}" is not <name>@<version>`);
  if (!isSemver(version))
    throw new UsageError(
      `"${arg}": "${version}" is not an exact version (write e.g. ${name}@1.2.3, not a range or tag)`,
    );
  return { name, version };
}

import { isSumgateError } from '@sumgate/core';
import type { Verdict } from '@sumgate/core';
import { structUtils } from '@yarnpkg/core';
import type { Locator, Project } from '@yarnpkg/core';
import type { Writable } from 'node:stream';
import { splitChecksum } from './archiveBinding.js';
import { isNpmRegistryLocator, packageRefOf } from './npmLocator.js';
import { sessionFor } from './session.js';

/** The lifecycle scripts Yarn runs when it builds a dependency. */
const INSTALL_SCRIPTS = new Set(['preinstall', 'install', 'postinstall']);

type Executor = () => Promise<number>;

/**
 * The `wrapScriptExecution` hook, a second layer behind the fetcher: a dependency's install script
 * runs only if this command verified the package's archive and its verdict is not a refusal. It
 * catches a package that reached the build step some other way (another plugin's fetcher placed
 * ahead of sumgate's, an archive the fetcher did not see). The refused script is not run; Yarn
 * reports the build as failed (YN0009) and the install exits 1.
 *
 * Not covered here: Yarn runs the implicit `node-gyp rebuild` of a package that has a binding.gyp
 * and no install script without this hook. The fetcher and validateProject cover it: the log
 * records node-gyp as install-time code and the quarantine applies before anything is linked.
 */
export async function guardInstallScript(
  executor: Executor,
  project: Project,
  locator: Locator,
  scriptName: string,
  extra: { stderr: Writable },
): Promise<Executor> {
  if (!INSTALL_SCRIPTS.has(scriptName)) return executor;
  const pkg = structUtils.isVirtualLocator(locator) ? structUtils.devirtualizeLocator(locator) : locator;
  if (!isNpmRegistryLocator(pkg)) return executor;
  const pretty = structUtils.prettyLocatorNoColors(pkg);
  let refusal: string | undefined;
  try {
    const session = sessionFor(project);
    const gate = session.gate;
    if (!gate.enabled || gate.isExempt(structUtils.stringifyIdent(pkg))) return executor;
    const verdict =
      session.verified.get(pkg.locatorHash)?.verdict ?? (await verdictFromBinding(project, pkg));
    if (verdict === undefined) {
      refusal = `sumgate: ${pretty} reached the build step without a verified archive (was it fetched by another plugin's fetcher?); its ${scriptName} script was not run`;
    } else if (verdict.decision === 'refused') {
      refusal = verdict.problems.map((p) => p.describe()).join('\n');
    }
  } catch (e) {
    if (!isSumgateError(e)) throw e;
    refusal = e.describe();
  }
  if (refusal === undefined) return executor;
  const message = refusal;
  return async () => {
    extra.stderr.write(`${message}\n`);
    return 1;
  };
}

/** The verdict for a package this command did not fetch: through the binding of its locked archive. */
async function verdictFromBinding(project: Project, pkg: Locator): Promise<Verdict | undefined> {
  const session = sessionFor(project);
  const checksum = project.storedChecksums.get(pkg.locatorHash);
  if (checksum === undefined) return undefined;
  const { cacheKey, hash } = splitChecksum(checksum);
  const ref = packageRefOf(pkg);
  const binding = session.bindings.get(ref.name, ref.version, cacheKey ?? session.cacheKey);
  if (binding === undefined || binding.hash !== hash) return undefined;
  const [verdict] = await session.gate.verifyLocked([{ ...ref, integrity: binding.integrity }]);
  return verdict;
}

/**
 * One install of one hostile package with a real package manager, with or without sumgate, in its
 * own project, store and caches under a sandbox root. The package is allowed to build, so a
 * postinstall the package manager finds does run (and writes its marker).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { makeProject, runPnpm, runYarn } from '../harness/packageManagers.js';
import type { RunResult } from '../harness/packageManagers.js';
import { installPnpmfile, writePolicy } from '../harness/sumgate.js';
import type { TestLog } from '../harness/sumgate.js';
import { importPlugin } from '../yarn/yarnSumgate.js';

export type PackageManager = 'pnpm 10' | 'pnpm 12' | 'yarn 4';
export const PACKAGE_MANAGERS: readonly PackageManager[] = ['pnpm 10', 'pnpm 12', 'yarn 4'];

export interface HostileInstall {
  readonly pm: PackageManager;
  readonly root: string;
  readonly pkg: string;
  readonly registry: string;
  /** With sumgate (the pnpmfile or the Yarn plugin, a policy naming the registry and the log), or plain. */
  readonly sumgate?: { log: TestLog } | undefined;
}

export async function installHostile(o: HostileInstall): Promise<RunResult & { projectDir: string }> {
  const projectDir = path.join(o.root, 'project');
  const storeDir = path.join(o.root, 'store');
  const cacheDir = path.join(o.root, 'cache');
  mkdirSync(storeDir, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  const env = { SUMGATE_CACHE_DIR: path.join(o.root, 'sumgate-cache') };
  const dependencies = { [o.pkg]: '1.0.0' };
  const policy =
    o.sumgate === undefined
      ? undefined
      : { log: o.sumgate.log, sources: [{ name: 'registry', url: o.registry }] };
  if (o.pm === 'yarn 4') {
    const cwd = await makeProject({
      dir: projectDir,
      packageManager: 'yarn',
      dependencies,
      packageJson: { dependenciesMeta: { [o.pkg]: { built: true } } },
    });
    const opts = { cwd, registry: o.registry, cacheDir, env };
    if (policy !== undefined) {
      await importPlugin(opts);
      writePolicy(cwd, policy);
    }
    return { ...(await runYarn(['install'], opts)), projectDir: cwd };
  }
  const cwd = await makeProject({
    dir: projectDir,
    packageManager: 'pnpm',
    dependencies,
    pnpmSettings: { allowBuilds: { [o.pkg]: true } },
  });
  if (policy !== undefined) {
    writePolicy(cwd, policy);
    installPnpmfile(cwd);
  }
  return {
    ...(await runPnpm(o.pm === 'pnpm 10' ? 10 : 12, ['install'], {
      cwd,
      registry: o.registry,
      storeDir,
      cacheDir,
      env,
    })),
    projectDir: cwd,
  };
}

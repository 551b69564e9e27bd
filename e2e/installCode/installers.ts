/** One way to install a project with sumgate for each package manager (pnpm 10, pnpm 12, Yarn 4), builds allowed for the named packages. */
import path from 'node:path';
import { makeProject, runPnpm, runYarn } from '../harness/packageManagers.js';
import type { RunResult } from '../harness/packageManagers.js';
import { installPnpmfile, writePolicy } from '../harness/sumgate.js';
import type { PolicyOptions } from '../harness/sumgate.js';
import { importPlugin } from '../yarn/yarnSumgate.js';
import type { AttackWorld } from './world.js';

export type Installer = 'pnpm 10' | 'pnpm 12' | 'yarn 4';
export const INSTALLERS: readonly Installer[] = ['pnpm 10', 'pnpm 12', 'yarn 4'];

export interface Project {
  readonly cwd: string;
  install(): Promise<RunResult>;
  /** Rewrites sumgate.jsonc with these extra policy keys. */
  policy(extra: Partial<PolicyOptions>): void;
}

/** Where the project installs from and which log it asks; default: the world's registry and log. */
export interface ProjectWiring {
  /** The registry the package manager resolves from and sumgate's one source (e.g. a mirror). */
  readonly registry?: string;
  readonly log?: { readonly url: string; readonly vkey: string };
}

/** `sumgate: false`: the plain package manager (the control showing the payload would run). */
export async function makeInstallProject(
  world: AttackWorld,
  pm: Installer,
  dependencies: Record<string, string>,
  built: string[],
  sumgate = true,
  wiring: ProjectWiring = {},
): Promise<Project> {
  const env = { SUMGATE_CACHE_DIR: path.join(world.sandbox.root, 'sumgate-cache') };
  const registry = wiring.registry ?? world.registry.url;
  const policy = (extra: Partial<PolicyOptions>) =>
    writePolicy(cwd, {
      log: wiring.log ?? world.log,
      sources: [{ name: 'fixture', url: registry }],
      ...extra,
    });
  let cwd: string;
  if (pm === 'yarn 4') {
    cwd = await makeProject({
      dir: world.sandbox.projectDir,
      packageManager: 'yarn',
      dependencies,
      packageJson: { dependenciesMeta: Object.fromEntries(built.map((n) => [n, { built: true }])) },
    });
    const opts = { cwd, registry, cacheDir: world.sandbox.cacheDir, env };
    if (sumgate) {
      await importPlugin(opts);
      policy({});
    }
    return { cwd, policy, install: () => runYarn(['install'], opts) };
  }
  const version = pm === 'pnpm 10' ? 10 : 12;
  cwd = await makeProject({
    dir: world.sandbox.projectDir,
    packageManager: 'pnpm',
    dependencies,
    pnpmSettings: { allowBuilds: Object.fromEntries(built.map((n) => [n, true])) },
  });
  if (sumgate) {
    policy({});
    installPnpmfile(cwd);
  }
  return {
    cwd,
    policy,
    install: () =>
      runPnpm(version, ['install'], {
        cwd,
        registry,
        storeDir: world.sandbox.storeDir,
        cacheDir: world.sandbox.cacheDir,
        env,
      }),
  };
}

/**
 * What every proxy scenario shares: the scenario world (fixture registry, tampering mirror, log,
 * markers), a project with `sumgate.jsonc`, and `sumgate proxy` started in it. Proxies started by
 * a test are stopped after it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { inspectTarball } from '@sumgate/core';
import { startProxy } from '../harness/proxy.js';
import type { RunningProxy } from '../harness/proxy.js';
import { useScenarioWorld } from '../harness/scenarioWorld.js';
import type { ScenarioWorld } from '../harness/scenarioWorld.js';
import { writePolicy } from '../harness/sumgate.js';
import type { PolicyOptions } from '../harness/sumgate.js';

export interface ProxyWorld extends ScenarioWorld {
  /**
   * A project dir with package.json (these dependencies, plus `packageJson` fields such as npm's
   * `allowScripts`) and sumgate.jsonc (the honest source, the log, then `policy`).
   */
  project(
    dependencies: Record<string, string>,
    policy?: Partial<PolicyOptions>,
    dir?: string,
    packageJson?: Record<string, unknown>,
  ): string;
  /** `sumgate proxy` in `cwd`, with this test's sumgate cache. */
  proxy(cwd: string, port?: number): Promise<RunningProxy>;
  /** The install-time-code fingerprint of a fixture version, as `sumgate approve` writes it. */
  fingerprintOf(name: string, version: string): string;
  /**
   * Rewrites `cwd`'s policy with the approval `sumgate approve name@version` writes (its exact
   * install-time code), the log, and `sources` (default: the honest source).
   */
  approve(cwd: string, name: string, version: string, sources?: PolicyOptions['sources']): void;
}

export function useProxyWorld(prefix: string): ProxyWorld {
  const world = useScenarioWorld(prefix);
  const running: RunningProxy[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.close()));
  });
  return Object.assign(Object.create(world) as ScenarioWorld, {
    project(
      dependencies: Record<string, string>,
      policy: Partial<PolicyOptions> = {},
      dir = world.sandbox.projectDir,
      packageJson: Record<string, unknown> = {},
    ): string {
      mkdirSync(dir, { recursive: true });
      const manifest = {
        name: 'fixture-project',
        version: '1.0.0',
        private: true,
        dependencies,
        ...packageJson,
      };
      writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      writePolicy(dir, { log: world.log, sources: [world.honest()], ...policy });
      return dir;
    },
    async proxy(cwd: string, port?: number): Promise<RunningProxy> {
      const p = await startProxy({
        cwd,
        sumgateCache: world.sumgateCache(),
        home: path.join(world.sandbox.root, 'proxy.home'),
        port,
      });
      running.push(p);
      return p;
    },
    fingerprintOf(name: string, version: string): string {
      return inspectTarball(world.registry.tarballOf(name, version)).installCode.fingerprint;
    },
    approve(
      cwd: string,
      name: string,
      version: string,
      sources: PolicyOptions['sources'] = [world.honest()],
    ): void {
      writePolicy(cwd, {
        log: world.log,
        sources,
        approvals: [{ package: `${name}@${version}`, installCode: this.fingerprintOf(name, version) }],
      });
    },
  });
}

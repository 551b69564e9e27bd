/**
 * The world every adapter scenario runs in: the fixture packages on an honest registry, a private
 * registry for an exempt scope, a mirror that tampers with tarballs, the project's own log (ingesting
 * from the honest registry), a marker dir, and a fresh sandbox per test. Registers its own vitest hooks.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { fixturePackages } from './fixturePackages.js';
import { startFixtureRegistry, startTamperingMirror } from './fixtureRegistry.js';
import type { FixtureRegistry } from './fixtureRegistry.js';
import { makeMarkerDir } from './markers.js';
import { makeSandbox } from './sandbox.js';
import type { Sandbox } from './sandbox.js';
import { startLog } from './sumgate.js';
import type { TestLog } from './sumgate.js';

export interface ScenarioWorld {
  readonly markerDir: string;
  readonly registry: FixtureRegistry;
  readonly privateRegistry: FixtureRegistry;
  readonly evil: FixtureRegistry;
  readonly log: TestLog;
  /** This test's sandbox (a new one per test). */
  readonly sandbox: Sandbox;
  /** The honest registry as a policy source. */
  honest(): { name: string; url: string };
  /** The sumgate cache dir of this test's sandbox. */
  sumgateCache(): string;
}

export function useScenarioWorld(sandboxPrefix: string): ScenarioWorld {
  let markerDir: string | undefined;
  let registry: FixtureRegistry | undefined;
  let privateRegistry: FixtureRegistry | undefined;
  let evil: FixtureRegistry | undefined;
  let log: TestLog | undefined;
  let sandbox: Sandbox | undefined;
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the scenario world has no ${what} outside a test`);
    return v;
  };

  beforeAll(async () => {
    markerDir = makeMarkerDir();
    const packages = fixturePackages(markerDir);
    const isPrivate = (name: string) => name.startsWith('@private/');
    registry = await startFixtureRegistry({ packages: packages.filter((p) => !isPrivate(p.name)) });
    privateRegistry = await startFixtureRegistry({ packages: packages.filter((p) => isPrivate(p.name)) });
    evil = await startTamperingMirror(registry);
    log = await startLog({ upstreams: [registry.url] });
  });
  afterAll(async () => {
    await Promise.all([registry?.close(), evil?.close(), privateRegistry?.close(), log?.close()]);
    if (markerDir !== undefined) rmSync(markerDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    sandbox = makeSandbox(sandboxPrefix);
    // markers count runs within one scenario
    for (const f of readdirSync(ready(markerDir, 'marker dir')))
      rmSync(path.join(markerDir!, f), { force: true });
  });
  afterEach(() => sandbox?.remove());

  return {
    get markerDir() {
      return ready(markerDir, 'marker dir');
    },
    get registry() {
      return ready(registry, 'registry');
    },
    get privateRegistry() {
      return ready(privateRegistry, 'private registry');
    },
    get evil() {
      return ready(evil, 'tampering mirror');
    },
    get log() {
      return ready(log, 'log');
    },
    get sandbox() {
      return ready(sandbox, 'sandbox');
    },
    honest: () => ({ name: 'fixture', url: ready(registry, 'registry').url }),
    sumgateCache: () => path.join(ready(sandbox, 'sandbox').root, 'sumgate-cache'),
  };
}

/** The world of the install-code v2 scenarios: the attack fixtures on a registry, a log ingesting from it, markers, a sandbox per test. */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startFixtureRegistry } from '../harness/fixtureRegistry.js';
import type { FixtureRegistry } from '../harness/fixtureRegistry.js';
import { makeMarkerDir } from '../harness/markers.js';
import { makeSandbox } from '../harness/sandbox.js';
import type { Sandbox } from '../harness/sandbox.js';
import { startLog } from '../harness/sumgate.js';
import type { TestLog } from '../harness/sumgate.js';
import { attackPackages } from './attackPackages.js';

export interface AttackWorld {
  readonly markerDir: string;
  readonly registry: FixtureRegistry;
  readonly log: TestLog;
  readonly sandbox: Sandbox;
}

export function useAttackWorld(prefix: string): AttackWorld {
  const state: { markerDir?: string; registry?: FixtureRegistry; log?: TestLog; sandbox?: Sandbox } = {};
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`no ${what} outside a test`);
    return v;
  };
  beforeAll(async () => {
    state.markerDir = makeMarkerDir();
    state.registry = await startFixtureRegistry({ packages: attackPackages(state.markerDir) });
    state.log = await startLog({ upstreams: [state.registry.url] });
  });
  afterAll(async () => {
    await Promise.all([state.registry?.close(), state.log?.close()]);
    if (state.markerDir !== undefined) rmSync(state.markerDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    state.sandbox = makeSandbox(prefix);
    for (const f of readdirSync(ready(state.markerDir, 'marker dir')))
      rmSync(path.join(state.markerDir!, f), { force: true });
  });
  afterEach(() => state.sandbox?.remove());
  return {
    get markerDir() {
      return ready(state.markerDir, 'marker dir');
    },
    get registry() {
      return ready(state.registry, 'registry');
    },
    get log() {
      return ready(state.log, 'log');
    },
    get sandbox() {
      return ready(state.sandbox, 'sandbox');
    },
  };
}

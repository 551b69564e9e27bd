/**
 * Needs the network (https://registry.npmjs.org/): runs by default; SUMGATE_OFFLINE=1 skips it.
 * A small real tree (express 4: about 65 packages) installed by real Yarn 4 through the plugin,
 * with the project's own log on 127.0.0.1 ingesting each version from the npm registry on demand.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runYarn } from '../harness/packageManagers.js';
import { makeSandbox } from '../harness/sandbox.js';
import type { Sandbox } from '../harness/sandbox.js';
import { startLog, writePolicy } from '../harness/sumgate.js';
import type { TestLog } from '../harness/sumgate.js';
import { importPlugin } from './yarnSumgate.js';

const NPM = 'https://registry.npmjs.org/';
const offline = process.env.SUMGATE_OFFLINE === '1';

describe.skipIf(offline)('[network] Yarn 4 with the sumgate plugin, real npm registry', () => {
  let log: TestLog;
  let sandbox: Sandbox;

  beforeAll(async () => {
    log = await startLog({ upstreams: [NPM], origin: 'sumgate.test/npm-network' });
    sandbox = makeSandbox('sumgate-yarn-net');
  });
  afterAll(async () => {
    await log?.close();
    sandbox?.remove();
  });

  it('installs express 4 with every package verified against a log that ingests on demand', async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'yarn',
      dependencies: { express: '4.21.2' },
    });
    const env = { SUMGATE_CACHE_DIR: path.join(sandbox.root, 'sumgate-cache') };
    const opts = { cwd, registry: NPM, cacheDir: sandbox.cacheDir, env, timeoutMs: 300_000 };
    await importPlugin(opts);
    writePolicy(cwd, { log, sources: [{ name: 'npmjs', url: NPM }] });

    const cold = await runYarn(['install'], opts);
    expect(cold.code, cold.output).toBe(0);
    const locked = (readFileSync(path.join(cwd, 'yarn.lock'), 'utf8').match(/resolution: "[^"]+@npm:/g) ?? [])
      .length;
    expect(locked).toBeGreaterThan(40);
    const verified = cold.output.match(/sumgate: verified \S+ from npmjs \(log leaf \d+\)/g) ?? [];
    expect(verified).toHaveLength(locked);
    expect(cold.output).toContain(
      `sumgate: ${locked} npm packages verified against ${log.url} (${locked} from npmjs`,
    );
    expect(existsSync(path.join(cwd, 'node_modules/express/package.json'))).toBe(true);

    // warm: every archive comes from the cache, checked against its binding
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const warm = await runYarn(['install', '--immutable'], opts);
    expect(warm.code, warm.output).toBe(0);
    expect(warm.output).toContain(`(${locked} from bound cache archives)`);
  }, 600_000);
});

/**
 * The user path from a registry: every release artifact (scripts/pack.mjs) is published to a real
 * Verdaccio on 127.0.0.1 whose uplink is the fixture registry, and a checksum log ingests from that
 * Verdaccio. Then, in fresh projects, as a user would: install the CLI from the registry,
 * `sumgate init`, a first verified install, an upgrade that adds install-time code (quarantined,
 * nothing runs), `sumgate approve`, the upgrade passing, then CI (frozen install and `sumgate
 * audit`), with pnpm 10, pnpm 12 and Yarn 4. Also: the libraries and the CLI install with npm,
 * the config dependency installs with pnpm, and the Yarn plugin file imports from a URL.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '@sumgate/core';
import { markerRuns } from '../harness/markers.js';
import { makeProject, makeTempDir, runPnpm, runYarn } from '../harness/packageManagers.js';
import type { PnpmVersion, RunResult } from '../harness/packageManagers.js';
import { useScenarioWorld } from '../harness/scenarioWorld.js';
import { startLog, writePolicy } from '../harness/sumgate.js';
import type { TestLog } from '../harness/sumgate.js';
import { packAll } from './packAll.js';
import type { Packed } from './packAll.js';
import { startPublishingRegistry } from './publishingRegistry.js';
import type { PublishingRegistry } from './publishingRegistry.js';

const WALK_TIMEOUT = 420_000;
const world = useScenarioWorld('sumgate-publish');
const work = makeTempDir('sumgate-publish-registry');
let packed: Packed;
let registry: PublishingRegistry;
let log: TestLog;
let version: string;

beforeAll(async () => {
  packed = await packAll(path.join(work, 'packed'));
  registry = await startPublishingRegistry({
    uplink: world.registry.url,
    storageDir: path.join(work, 'verdaccio'),
  });
  for (const a of packed.artifacts)
    if (a.file.endsWith('.tgz')) await registry.publish(path.join(packed.dir, a.file));
  version = packed.artifacts.find((a) => a.name === 'sumgate')!.version!;
  // The team's log: it ingests on demand from the registry the project uses, sumgate's own packages included.
  log = await startLog({ upstreams: [registry.url] });
}, 180_000);

afterAll(async () => {
  await Promise.all([log?.close(), registry?.close()]);
  rmSync(work, { recursive: true, force: true });
  if (log !== undefined) rmSync(path.dirname(log.dir), { recursive: true, force: true });
});

const cacheEnv = () => ({ SUMGATE_CACHE_DIR: world.sumgateCache() });
const CI = { CI: 'true' };

function pnpm(
  v: PnpmVersion,
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  return runPnpm(v, args, {
    cwd,
    registry: registry.url,
    storeDir: world.sandbox.storeDir,
    cacheDir: world.sandbox.cacheDir,
    env: { ...cacheEnv(), ...env },
  });
}

function yarn(cwd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return runYarn(args, {
    cwd,
    registry: registry.url,
    cacheDir: world.sandbox.cacheDir,
    env: { ...cacheEnv(), ...env },
  });
}

/** What init must have written: the policy pinning this log and the registry, $schema inside the project. */
function expectInitialised(cwd: string): void {
  const policy = loadPolicy({ cwd, env: {} });
  expect(policy).toMatchObject({ mode: 'enforce', quarantine: true, approvals: [] });
  expect(policy.log).toMatchObject({ url: log.url, vkeys: [log.vkey] });
  expect(policy.sources.map((s) => s.url)).toEqual([registry.url]);
  const text = readFileSync(path.join(cwd, 'sumgate.jsonc'), 'utf8');
  const schema = /"\$schema": "([^"]+)"/.exec(text)?.[1];
  expect(schema).toBe('./node_modules/sumgate/dist/policy.schema.json');
  expect(JSON.parse(readFileSync(path.join(cwd, schema!), 'utf8'))).toHaveProperty('properties.approvals');
}

function expectQuarantined(r: RunResult): void {
  expect(r.code, r.output).not.toBe(0);
  expect(r.output).toMatch(/SUMGATE_QUARANTINE_ADDED|sumgate QUARANTINE_ADDED/);
  expect(r.output).toContain('adds-script@1.1.0 is quarantined');
  expect(r.output).toContain('sumgate approve adds-script@1.1.0');
  expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
}

function expectApproved(cwd: string, r: RunResult): void {
  expect(r.code, r.output).toBe(0);
  expect(r.output).toContain('approved adds-script@1.1.0');
  const approvals = loadPolicy({ cwd, env: {} }).approvals;
  expect(approvals.map((a) => a.package)).toEqual(['adds-script@1.1.0']);
}

function expectAuditPassed(r: RunResult, lockfile: string): void {
  expect(r.code, r.output).toBe(0);
  expect(r.stdout).toMatch(
    new RegExp(`sumgate audit: \\d+ packages in ${lockfile.replace('.', '\\.')}: \\d+ verified, 1 approved`),
  );
}

describe.each([10, 12] as const)('pnpm %i: the CLI from the registry, init, quarantine, approve, CI', (v) => {
  it(
    'walks the user path',
    async () => {
      const cwd = await makeProject({
        dir: world.sandbox.projectDir,
        packageManager: 'pnpm',
        dependencies: { plain: '1.0.0', 'adds-script': '1.0.0' },
        files: { '.npmrc': `registry=${registry.url}\n` },
        // pnpm 12 skips versions younger than a day by default: sumgate was published a moment ago.
        pnpmSettings: { allowBuilds: { 'adds-script': true }, minimumReleaseAgeExclude: ['sumgate'] },
      });

      const cli = await pnpm(v, cwd, ['add', '--save-dev', `sumgate@${version}`]);
      expect(cli.code, cli.output).toBe(0);
      expect((await pnpm(v, cwd, ['exec', 'sumgate', '--version'])).stdout).toBe(`sumgate ${version}\n`);

      const init = await pnpm(v, cwd, [
        'exec',
        'sumgate',
        'init',
        '--log-url',
        log.url,
        '--log-vkey',
        log.vkey,
      ]);
      expect(init.code, init.output).toBe(0);
      expect(init.stdout).toContain('installed .pnpmfile.cjs');
      const shipped = path.join(cwd, 'node_modules/sumgate/dist/plugins/pnpmfile.cjs');
      expect(readFileSync(path.join(cwd, '.pnpmfile.cjs')).equals(readFileSync(shipped))).toBe(true);
      expect(readFileSync(path.join(cwd, '.pnpmfile.cjs'), 'utf8').split('\n', 1)[0]).toContain(
        `pnpm-plugin-sumgate ${version}`,
      );
      expectInitialised(cwd);

      const first = await pnpm(v, cwd, ['install']);
      expect(first.code, first.output).toBe(0);
      // Everything pnpm had already put in the store is proven before pnpm goes on, the CLI included.
      expect(first.output).toContain('sumgate: 3 locked packages verified against the checksum log');
      expect((await fetch(`${log.url}lookup/sumgate@${version}`)).status).toBe(200);

      expectQuarantined(await pnpm(v, cwd, ['add', 'adds-script@1.1.0']));
      expectApproved(
        cwd,
        await pnpm(v, cwd, [
          'exec',
          'sumgate',
          'approve',
          'adds-script@1.1.0',
          '--yes',
          '--note',
          'reviewed in the e2e walk',
        ]),
      );
      const upgraded = await pnpm(v, cwd, ['add', 'adds-script@1.1.0']);
      expect(upgraded.code, upgraded.output).toBe(0);
      expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);

      rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
      const frozen = await pnpm(v, cwd, ['install', '--frozen-lockfile'], CI);
      expect(frozen.code, frozen.output).toBe(0);
      expectAuditPassed(await pnpm(v, cwd, ['exec', 'sumgate', 'audit'], CI), 'pnpm-lock.yaml');
      const json = await pnpm(v, cwd, ['exec', 'sumgate', 'audit', '--json'], CI);
      expect(json.code, json.output).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, format: 'pnpm-lock.yaml', log: log.url });
    },
    WALK_TIMEOUT,
  );
});

describe('Yarn 4: the CLI from the registry, init, quarantine, approve, CI', () => {
  it(
    'walks the user path',
    async () => {
      const cwd = await makeProject({
        dir: world.sandbox.projectDir,
        packageManager: 'yarn',
        dependencies: { plain: '1.0.0', 'adds-script': '1.0.0' },
        yarnSettings: { npmRegistryServer: registry.url.replace(/\/$/, '') },
      });

      const cli = await yarn(cwd, ['add', '--dev', `sumgate@${version}`]);
      expect(cli.code, cli.output).toBe(0);

      const init = await yarn(cwd, ['sumgate', 'init', '--log-url', log.url, '--log-vkey', log.vkey]);
      expect(init.code, init.output).toBe(0);
      expect(init.stdout).toContain('imported the sumgate Yarn plugin');
      const shipped = path.join(cwd, 'node_modules/sumgate/dist/plugins/plugin-sumgate.js');
      expect(
        readFileSync(path.join(cwd, '.yarn/plugins/@yarnpkg/plugin-sumgate.cjs')).equals(
          readFileSync(shipped),
        ),
      ).toBe(true);
      expectInitialised(cwd);

      const first = await yarn(cwd, ['install']);
      expect(first.code, first.output).toBe(0);
      expect(first.output).toMatch(
        new RegExp(`sumgate: 3 npm packages verified against ${log.url.replace(/[.]/g, '\\.')}`),
      );

      expectQuarantined(await yarn(cwd, ['add', 'adds-script@1.1.0']));
      expectApproved(cwd, await yarn(cwd, ['sumgate', 'approve', 'adds-script@1.1.0', '--yes']));
      const upgraded = await yarn(cwd, ['add', 'adds-script@1.1.0']);
      expect(upgraded.code, upgraded.output).toBe(0);
      expect(upgraded.output).toContain('sumgate: approved adds-script@1.1.0 from 127.0.0.1');

      rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
      const frozen = await yarn(cwd, ['install', '--immutable'], {
        ...CI,
        YARN_ENABLE_IMMUTABLE_INSTALLS: 'true',
      });
      expect(frozen.code, frozen.output).toBe(0);
      expectAuditPassed(await yarn(cwd, ['sumgate', 'audit'], CI), 'yarn.lock');
    },
    WALK_TIMEOUT,
  );

  it('imports the single-file plugin from a URL', async () => {
    const file = readFileSync(packed.path('plugin-sumgate.js'));
    const server = createServer((req, res) => {
      if (req.url !== '/plugin-sumgate.js') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/javascript' }).end(file);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const cwd = await makeProject({
        dir: world.sandbox.projectDir,
        packageManager: 'yarn',
        dependencies: {},
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/plugin-sumgate.js`;
      const r = await yarn(cwd, ['plugin', 'import', url]);
      expect(r.code, r.output).toBe(0);
      expect(readFileSync(path.join(cwd, '.yarn/plugins/@yarnpkg/plugin-sumgate.cjs')).equals(file)).toBe(
        true,
      );
      expect(readFileSync(path.join(cwd, '.yarnrc.yml'), 'utf8')).toContain(
        '.yarn/plugins/@yarnpkg/plugin-sumgate.cjs',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('pnpm 12: pnpm-plugin-sumgate as a config dependency from the registry', () => {
  it(
    'installs with `pnpm add --config`, then verifies and quarantines',
    async () => {
      const cwd = await makeProject({
        dir: world.sandbox.projectDir,
        packageManager: 'pnpm',
        dependencies: { plain: '1.0.0' },
        pnpmSettings: { minimumReleaseAgeExclude: ['pnpm-plugin-sumgate'] },
      });
      writePolicy(cwd, { log, sources: [{ name: 'verdaccio', url: registry.url }] });
      const added = await pnpm(12, cwd, ['add', '--config', 'pnpm-plugin-sumgate']);
      expect(added.code, added.output).toBe(0);
      expect(readFileSync(path.join(cwd, 'pnpm-workspace.yaml'), 'utf8')).toMatch(
        new RegExp(`pnpm-plugin-sumgate: \\^?${version.replace(/\./g, '\\.')}`),
      );
      expect(
        existsSync(path.join(cwd, 'node_modules/.pnpm-config/pnpm-plugin-sumgate/policy.schema.json')),
      ).toBe(true);

      const ok = await pnpm(12, cwd, ['install']);
      expect(ok.code, ok.output).toBe(0);
      expect(ok.output).toMatch(/sumgate: verified plain@1\.0\.0 from verdaccio/);
      expectQuarantined(await pnpm(12, cwd, ['add', 'adds-script@1.1.0']));
    },
    WALK_TIMEOUT,
  );
});

describe('npm: the CLI and the libraries from the registry', () => {
  it('installs sumgate, @sumgate/core and @sumgate/log with nothing else around, and they load', async () => {
    const cwd = world.sandbox.projectDir;
    mkdirSync(cwd, { recursive: true });
    writeFileSync(
      path.join(cwd, 'package.json'),
      '{ "name": "npm-user", "version": "1.0.0", "private": true, "type": "module" }\n',
    );
    const npmEnv = {
      PATH: process.env.PATH,
      HOME: world.sandbox.home,
      npm_config_userconfig: path.join(world.sandbox.root, 'empty.npmrc'),
      npm_config_cache: world.sandbox.cacheDir,
      npm_config_registry: registry.url,
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };
    writeFileSync(npmEnv.npm_config_userconfig, '');
    const install = await runCommand(
      'npm',
      ['install', `sumgate@${version}`, `@sumgate/core@${version}`, `@sumgate/log@${version}`],
      cwd,
      npmEnv,
    );
    expect(install.code, install.output).toBe(0);
    const lock = JSON.parse(readFileSync(path.join(cwd, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string }>;
    };
    for (const name of ['sumgate', '@sumgate/core', '@sumgate/log'])
      expect(lock.packages[`node_modules/${name}`]?.resolved).toMatch(new RegExp(`^${registry.url}`));

    const load = await runCommand(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        [
          "const core = await import('@sumgate/core');",
          "const log = await import('@sumgate/log');",
          'console.log(typeof core.loadPolicy, typeof core.parsePolicyText, typeof log.serveLog, typeof log.initLog);',
        ].join('\n'),
      ],
      cwd,
      npmEnv,
    );
    expect(load.code, load.output).toBe(0);
    expect(load.stdout.trim()).toBe('function function function function');

    const help = await runCommand(path.join(cwd, 'node_modules/.bin/sumgate'), ['--version'], cwd, npmEnv);
    expect(help.stdout).toBe(`sumgate ${version}\n`);
  });
});

function runCommand(
  file: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      output += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      output += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, output }));
  });
}

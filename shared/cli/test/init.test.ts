import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '@sumgate/core';
import { makeProject } from '../../../e2e/harness/packageManagers.js';
import { runCli } from './runCli.js';
import { cleanEnv, removeTempDirs, tempDir } from './cliFixtures.js';

afterAll(removeTempDirs);

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pnpmBundle = path.join(repo, 'plugins/pnpm/pnpmfile.cjs');
const yarnBundle = path.join(repo, 'plugins/yarn/bundles/@yarnpkg/plugin-sumgate.js');
const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const LOG = ['--log-url', 'https://log.example.test/npm', '--log-vkey', VKEY];

function pnpmRepo(files: Record<string, string> = { 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }): {
  dir: string;
  env: NodeJS.ProcessEnv;
} {
  const root = tempDir('init');
  const dir = path.join(root, 'repo');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), '{ "name": "app", "private": true }\n');
  for (const [f, t] of Object.entries(files)) writeFileSync(path.join(dir, f), t);
  return { dir, env: cleanEnv(root) };
}

describe('sumgate init (pnpm)', () => {
  it('writes a commented, valid policy and the pnpmfile, says what to commit; a second run changes nothing', async () => {
    const { dir, env } = pnpmRepo();
    const r = await runCli(['init', ...LOG, '--registry', 'https://registry.example.test/npm'], {
      cwd: dir,
      env,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sumgate init: pnpm project at');
    expect(r.stdout).toContain('installed .pnpmfile.cjs');
    expect(r.stdout).toContain('ERR_PNPM_LOCKFILE_CONFIG_MISMATCH');
    expect(r.stdout).toContain('commit: sumgate.jsonc .pnpmfile.cjs pnpm-lock.yaml');

    const policyFile = path.join(dir, 'sumgate.jsonc');
    const text = readFileSync(policyFile, 'utf8');
    expect(text.match(/^\s*\/\/ /gm)!.length).toBeGreaterThanOrEqual(8);
    const policy = loadPolicy({ cwd: dir, env });
    expect(policy).toMatchObject({ mode: 'enforce', quarantine: true, exempt: [], approvals: [] });
    expect(policy.sources).toEqual([
      { name: 'registry.example.test', url: 'https://registry.example.test/npm/', scopes: undefined },
    ]);
    expect(policy.log).toMatchObject({ url: 'https://log.example.test/npm/', vkeys: [VKEY], ingest: true });
    expect(readFileSync(path.join(dir, '.pnpmfile.cjs')).equals(readFileSync(pnpmBundle))).toBe(true);

    const mtimes = ['sumgate.jsonc', '.pnpmfile.cjs'].map((f) => statSync(path.join(dir, f)).mtimeMs);
    for (const argv of [['init'], ['init', ...LOG]]) {
      const again = await runCli(argv, { cwd: dir, env });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('already set up for pnpm');
      expect(readFileSync(policyFile, 'utf8')).toBe(text);
      expect(['sumgate.jsonc', '.pnpmfile.cjs'].map((f) => statSync(path.join(dir, f)).mtimeMs)).toEqual(
        mtimes,
      );
    }
  });

  it('takes the registry from .npmrc, defaults to npmjs, and refers to the installed JSON Schema', async () => {
    const { dir, env } = pnpmRepo({
      'pnpm-workspace.yaml': 'packages: []\n',
      '.npmrc': 'registry=https://mirror.example.test/\n',
    });
    mkdirSync(path.join(dir, 'node_modules/@sumgate/core'), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules/@sumgate/core/policy.schema.json'), '{}');
    expect((await runCli(['init', ...LOG], { cwd: dir, env })).code).toBe(0);
    const text = readFileSync(path.join(dir, 'sumgate.jsonc'), 'utf8');
    expect(text).toContain('"$schema": "./node_modules/@sumgate/core/policy.schema.json"');
    expect(loadPolicy({ cwd: dir, env }).sources[0]!.url).toBe('https://mirror.example.test/');

    const plain = pnpmRepo({ 'package.json': '{ "packageManager": "pnpm@10.34.9" }' });
    expect((await runCli(['init', ...LOG], { cwd: plain.dir, env: plain.env })).code).toBe(0);
    expect(loadPolicy({ cwd: plain.dir, env: plain.env }).sources).toEqual([
      { name: 'npmjs', url: 'https://registry.npmjs.org/', scopes: undefined },
    ]);
  });

  it('refuses to overwrite a different .pnpmfile.cjs, and a .pnpmfile.mjs, writing nothing (exit 1)', async () => {
    for (const file of ['.pnpmfile.cjs', '.pnpmfile.mjs']) {
      const { dir, env } = pnpmRepo({ 'pnpm-lock.yaml': '', [file]: 'module.exports = { hooks: {} };\n' });
      const r = await runCli(['init', ...LOG], { cwd: dir, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('not set up');
      expect(r.stderr).toContain(file);
      expect(existsSync(path.join(dir, 'sumgate.jsonc'))).toBe(false);
      expect(readFileSync(path.join(dir, file), 'utf8')).toBe('module.exports = { hooks: {} };\n');
    }
  });

  it('requires --log-url and --log-vkey for a new policy, and checks them (exit 2)', async () => {
    const { dir, env } = pnpmRepo();
    const r = await runCli(['init'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--log-url and --log-vkey are required');
    expect(existsSync(path.join(dir, 'sumgate.jsonc'))).toBe(false);
    expect(existsSync(path.join(dir, '.pnpmfile.cjs'))).toBe(false);
    expect(
      (await runCli(['init', '--log-url', 'https://l.test/', '--log-vkey', 'nonsense'], { cwd: dir, env }))
        .stderr,
    ).toContain('--log-vkey');
    expect(
      (await runCli(['init', '--log-url', 'ftp://l.test/', '--log-vkey', VKEY], { cwd: dir, env })).code,
    ).toBe(2);
    expect((await runCli(['init', ...LOG, '--pnpm', '--yarn'], { cwd: dir, env })).code).toBe(2);
    expect((await runCli(['init', ...LOG, '--frobnicate'], { cwd: dir, env })).code).toBe(2);
  });

  it('explains when it cannot tell the package manager, or when it is Yarn classic (exit 2)', async () => {
    const none = pnpmRepo({});
    const r = await runCli(['init', ...LOG], { cwd: none.dir, env: none.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no pnpm or Yarn project found');
    const both = pnpmRepo({ 'pnpm-lock.yaml': '', '.yarnrc.yml': '' });
    expect((await runCli(['init', ...LOG], { cwd: both.dir, env: both.env })).stderr).toContain(
      'pass --pnpm or --yarn',
    );
    const classic = pnpmRepo({ 'yarn.lock': '# yarn lockfile v1\n\nfoo@^1:\n  version "1.0.0"\n' });
    expect((await runCli(['init', ...LOG], { cwd: classic.dir, env: classic.env })).stderr).toContain(
      'Yarn 1 has no plugin API',
    );
  });

  it('rejects an existing invalid policy (exit 2) instead of leaving it', async () => {
    const { dir, env } = pnpmRepo({ 'pnpm-lock.yaml': '', 'sumgate.jsonc': '{ "mode": "strict" }' });
    const r = await runCli(['init'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('POLICY_INVALID');
  });
});

describe('sumgate init (Yarn)', () => {
  it("imports the plugin with the project's Yarn and writes the policy; a second run changes nothing", async () => {
    const root = tempDir('init-yarn');
    const dir = await makeProject({ dir: path.join(root, 'repo'), packageManager: 'yarn', dependencies: {} });
    const env = { ...cleanEnv(root), YARN_ENABLE_TELEMETRY: '0', YARN_ENABLE_GLOBAL_CACHE: 'false' };
    const r = await runCli(['init', ...LOG], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sumgate init: yarn project at');
    expect(r.stdout).toContain(`imported the sumgate Yarn plugin (yarn plugin import ${yarnBundle})`);
    expect(r.stdout).toContain('commit: sumgate.jsonc .yarnrc.yml .yarn/plugins/@yarnpkg/plugin-sumgate.cjs');
    expect(readFileSync(path.join(dir, '.yarnrc.yml'), 'utf8')).toContain(
      '.yarn/plugins/@yarnpkg/plugin-sumgate.cjs',
    );
    expect(
      readFileSync(path.join(dir, '.yarn/plugins/@yarnpkg/plugin-sumgate.cjs')).equals(
        readFileSync(yarnBundle),
      ),
    ).toBe(true);
    expect(loadPolicy({ cwd: dir, env }).mode).toBe('enforce');

    const yarnrc = readFileSync(path.join(dir, '.yarnrc.yml'), 'utf8');
    const again = await runCli(['init'], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already set up for yarn');
    expect(readFileSync(path.join(dir, '.yarnrc.yml'), 'utf8')).toBe(yarnrc);
  });

  it('prints the command to run when Yarn cannot be started (exit 1)', async () => {
    const root = tempDir('init-noyarn');
    const dir = path.join(root, 'repo');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'package.json'), '{ "packageManager": "yarn@4.18.1" }\n');
    const env = { ...cleanEnv(root), PATH: path.join(root, 'empty-bin') };
    const r = await runCli(['init', ...LOG], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`finish the setup by running, at ${dir}:\n  yarn plugin import ${yarnBundle}`);
    expect(r.stdout).toContain('wrote sumgate.jsonc');
  });
});

/**
 * The npm clients with no plugin API, run for real from this repository's devDependencies (and the
 * machine's npm 11), isolated like pnpm and Yarn 4 (packageManagers.ts): npm 11 and 12, Bun 1.4
 * (its native binary from `@oven/bun-<os>-<arch>`, no shim), Yarn 1. Each is configured through
 * its environment and a project `.npmrc`/`bunfig.toml` the test writes, never the user's files.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runIsolatedClient } from './packageManagers.js';
import type { EnvOverrides, RunResult } from './packageManagers.js';

const require = createRequire(import.meta.url);

export type NpmVersion = 11 | 12;

function versionOf(manifest: string): string {
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function assertMajor(manifest: string, major: string): void {
  const v = versionOf(manifest);
  if (!v.startsWith(`${major}.`)) throw new Error(`${manifest}: expected ${major}.x, found ${v}`);
}

/** npm 11: the machine's own (beside this Node), npm 12: the `npm12` devDependency (`npm:npm@12`). */
export function npmCli(version: NpmVersion): string {
  const dir =
    version === 11
      ? path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm')
      : path.dirname(require.resolve('npm12/package.json'));
  assertMajor(path.join(dir, 'package.json'), String(version));
  return path.join(dir, 'bin', 'npm-cli.js');
}

/** The Bun native binary from the platform package installed beside the `bun` devDependency. */
export function bunBin(): string {
  const shim = require.resolve('bun/package.json');
  assertMajor(shim, '1');
  const platform = `@oven/bun-${process.platform}-${process.arch === 'x64' ? 'x64' : 'aarch64'}`;
  const manifest = createRequire(shim).resolve(`${platform}/package.json`);
  return path.join(path.dirname(manifest), 'bin', 'bun');
}

/** Yarn 1 from the `yarn1` devDependency (`npm:yarn@1.22`). */
export function yarn1Cli(): string {
  const manifest = require.resolve('yarn1/package.json');
  assertMajor(manifest, '1');
  return path.join(path.dirname(manifest), 'bin', 'yarn.js');
}

export interface ClientRunOptions {
  readonly cwd: string;
  /** The registry the client is pointed at (the proxy). */
  readonly registry: string;
  /** The client's own cache (npm's `cache`, Bun's install cache, Yarn 1's cache folder). */
  readonly cacheDir: string;
  readonly env?: EnvOverrides;
  readonly timeoutMs?: number;
}

/** npm with `registry`, `cache`, no retries (a refusal is final), no audit, fund or update checks. */
export function runNpm(
  version: NpmVersion,
  args: readonly string[],
  opts: ClientRunOptions,
): Promise<RunResult> {
  const settings = {
    registry: opts.registry,
    cache: opts.cacheDir,
    fetch_retries: '0',
    audit: 'false',
    fund: 'false',
    update_notifier: 'false',
    loglevel: 'notice',
  };
  const env = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`npm_config_${k}`, v]));
  return runIsolatedClient(process.execPath, [npmCli(version), ...args], {
    cwd: opts.cwd,
    env,
    overrides: opts.env,
    timeoutMs: opts.timeoutMs,
  });
}

/** Bun with its registry and install cache set through the environment (`NPM_CONFIG_REGISTRY`, `BUN_INSTALL_CACHE_DIR`). */
export function runBun(args: readonly string[], opts: ClientRunOptions): Promise<RunResult> {
  const env = {
    NPM_CONFIG_REGISTRY: opts.registry,
    BUN_INSTALL_CACHE_DIR: opts.cacheDir,
    DO_NOT_TRACK: '1',
    BUN_CONFIG_NO_CLEAR_TERMINAL_ON_RELOAD: '1',
  };
  return runIsolatedClient(bunBin(), args, {
    cwd: opts.cwd,
    env,
    overrides: opts.env,
    timeoutMs: opts.timeoutMs,
  });
}

/** Yarn 1 with `--registry` semantics through `YARN_REGISTRY`/`npm_config_registry`, its own cache folder, no network retries. */
export function runYarn1(args: readonly string[], opts: ClientRunOptions): Promise<RunResult> {
  const env = {
    npm_config_registry: opts.registry,
    YARN_REGISTRY: opts.registry,
    YARN_CACHE_FOLDER: opts.cacheDir,
    YARN_NETWORK_TIMEOUT: '60000',
    YARN_DISABLE_SELF_UPDATE_CHECK: 'true',
    YARN_IGNORE_ENGINES: 'true',
    CI: 'true',
  };
  return runIsolatedClient(process.execPath, [yarn1Cli(), ...args], {
    cwd: opts.cwd,
    env,
    overrides: opts.env,
    timeoutMs: opts.timeoutMs,
  });
}

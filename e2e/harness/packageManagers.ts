/**
 * Runs the real package managers from this repository's devDependencies (pnpm 10.x JS CLI, pnpm
 * 12.x native binary, Yarn 4.x) in isolation: a fresh HOME per project, store and cache dirs the
 * test chooses, a registry on 127.0.0.1, and an environment built from scratch so nothing from the
 * parent process (npm_config_*, YARN_*, PNPM_*, CI, proxies) leaks in.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toYaml } from './yaml.js';

export type PnpmVersion = 10 | 12;

export interface RunResult {
  /** Exit code; 128 + signal number when killed (a timeout reports 124 after SIGKILL). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  readonly output: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

/** Environment overrides: a string sets a variable, `undefined` removes one the harness would set. */
export type EnvOverrides = Readonly<Record<string, string | undefined>>;

export interface RunPnpmOptions {
  readonly cwd: string;
  /** Default registry URL (a fixture registry, mirror or Verdaccio). */
  readonly registry: string;
  readonly storeDir: string;
  readonly cacheDir: string;
  readonly env?: EnvOverrides;
  /** HOME for the run; default `<cwd>.home` beside the project (reused by later runs on that project). */
  readonly home?: string;
  /** Default 0: a registry on 127.0.0.1 does not flake, and pnpm 10 otherwise waits 10 s + 60 s. */
  readonly fetchRetries?: number;
  readonly timeoutMs?: number;
}

export interface RunYarnOptions {
  readonly cwd: string;
  readonly registry: string;
  /** The project cache (YARN_CACHE_FOLDER); the global cache is off. */
  readonly cacheDir: string;
  /** YARN_GLOBAL_FOLDER (metadata cache, global mirror); default `<home>/.yarn-global`. */
  readonly globalFolder?: string;
  readonly env?: EnvOverrides;
  readonly home?: string;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const require = createRequire(import.meta.url);

/** Absolute path of a package's directory, resolved from this file (never a hard-coded checkout path). */
function packageDir(specifier: string, from: NodeRequire = require): string {
  return path.dirname(from.resolve(`${specifier}/package.json`));
}

/** The pnpm 10 JS CLI (`pnpm` devDependency). Its exports map only `.`, which is its package.json. */
export function pnpm10Bin(): string {
  const manifestPath = require.resolve('pnpm');
  assertVersion(manifestPath, '10.');
  return path.join(path.dirname(manifestPath), 'bin', 'pnpm.cjs');
}

/**
 * The pnpm 12 native binary, taken from the platform package (`@pnpm/exe.<os>-<arch>`) installed
 * beside the `pnpm12` alias, so no Node shim runs first. Never the shim's download fallback.
 */
export function pnpm12Bin(): string {
  const manifestPath = require.resolve('pnpm12/package.json');
  assertVersion(manifestPath, '12.');
  const fromShim = createRequire(manifestPath);
  const platformPackage = `@pnpm/exe.${process.platform}-${process.arch}`;
  try {
    return path.join(
      packageDir(platformPackage, fromShim),
      process.platform === 'win32' ? 'pnpm.exe' : 'pnpm',
    );
  } catch {
    throw new Error(
      `pnpm 12 native binary ${platformPackage} is not installed next to the pnpm12 devDependency`,
    );
  }
}

/** Yarn 4 from `@yarnpkg/cli-dist`. */
export function yarnBin(): string {
  const dir = packageDir('@yarnpkg/cli-dist');
  assertVersion(path.join(dir, 'package.json'), '4.');
  return path.join(dir, 'bin', 'yarn.js');
}

function assertVersion(manifestPath: string, prefix: string): void {
  const { version } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: string };
  if (typeof version !== 'string' || !version.startsWith(prefix)) {
    throw new Error(`${manifestPath}: expected version ${prefix}x, found ${String(version)}`);
  }
}

/**
 * Runs pnpm 10 or 12 with `args` in `opts.cwd`. Configuration goes through environment variables
 * only (pnpm 10 reads `npm_config_*`, pnpm 12 reads `pnpm_config_*`; both are set), so `args` are
 * passed through untouched.
 */
export function runPnpm(
  version: PnpmVersion,
  args: readonly string[],
  opts: RunPnpmOptions,
): Promise<RunResult> {
  const home = prepareHome(opts.cwd, opts.home);
  const settings: Record<string, string> = {
    registry: opts.registry,
    store_dir: opts.storeDir,
    cache_dir: opts.cacheDir,
    state_dir: path.join(home, '.local', 'state', 'pnpm'),
    fetch_retries: String(opts.fetchRetries ?? 0),
    update_notifier: 'false',
  };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    env[`npm_config_${key}`] = value;
    env[`pnpm_config_${key}`] = value;
  }
  // pnpm 12 prints errors through miette: NO_GRAPHICS selects its narrative handler, which does
  // not wrap lines at 80 columns, so messages can be matched as one line.
  if (version === 12) env.NO_GRAPHICS = '1';
  const [file, fileArgs] = version === 10 ? [process.execPath, [pnpm10Bin()]] : [pnpm12Bin(), []];
  return runIsolated(file, [...fileArgs, ...args], {
    cwd: opts.cwd,
    env: mergeEnv(baseEnv(home), env, opts.env),
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/**
 * Runs Yarn 4 with `args` in `opts.cwd`, configured through `YARN_*` variables as Yarn's own
 * acceptance tests do: registry, plain-http allowance for 127.0.0.1, no age gate (fixtures are
 * 30 days old anyway), no global cache, no telemetry, mutable lockfile, inline build output.
 */
export function runYarn(args: readonly string[], opts: RunYarnOptions): Promise<RunResult> {
  const home = prepareHome(opts.cwd, opts.home);
  const env: Record<string, string> = {
    YARN_NPM_REGISTRY_SERVER: opts.registry.replace(/\/$/, ''),
    YARN_UNSAFE_HTTP_WHITELIST: '127.0.0.1',
    YARN_NPM_MINIMAL_AGE_GATE: '0',
    YARN_ENABLE_GLOBAL_CACHE: 'false',
    YARN_CACHE_FOLDER: opts.cacheDir,
    YARN_GLOBAL_FOLDER: opts.globalFolder ?? path.join(home, '.yarn-global'),
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
    YARN_ENABLE_PROGRESS_BARS: 'false',
    YARN_ENABLE_HYPERLINKS: 'false',
    YARN_ENABLE_COLORS: 'false',
    YARN_ENABLE_INLINE_BUILDS: 'true',
  };
  return runIsolated(process.execPath, [yarnBin(), ...args], {
    cwd: opts.cwd,
    env: mergeEnv(baseEnv(home), env, opts.env),
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/**
 * Runs any other client (npm, Bun, Yarn 1: e2e/harness/npmClients.ts) with the same isolation:
 * an environment built from scratch, `<cwd>.home` as HOME unless given, its own process group.
 */
export function runIsolatedClient(
  file: string,
  args: readonly string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    overrides?: EnvOverrides;
    home?: string;
    timeoutMs?: number;
  },
): Promise<RunResult> {
  const home = prepareHome(opts.cwd, opts.home);
  return runIsolated(file, args, {
    cwd: opts.cwd,
    env: mergeEnv(baseEnv(home), opts.env, opts.overrides),
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/**
 * Variables a child may inherit from the parent; everything else is dropped. TLS trust settings
 * are machine configuration (a corporate CA), not test state, so they pass through.
 */
const INHERITED = [
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'LC_ALL',
  'TZ',
  'SYSTEMROOT',
  'ComSpec',
  'PATHEXT',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/**
 * The environment every child starts from: a sanitised PATH (this Node first, no
 * `node_modules/.bin` entries, so scripts cannot reach the repo's own pnpm/yarn), a fresh HOME
 * with its XDG dirs, no colours, and nothing else from the parent.
 */
function baseEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  const pathEntries = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((entry) => entry !== '' && !entry.split(path.sep).includes('node_modules'));
  env.PATH = [path.dirname(process.execPath), ...pathEntries].join(path.delimiter);
  env.HOME = home;
  env.USERPROFILE = home;
  env.XDG_CONFIG_HOME = path.join(home, '.config');
  env.XDG_CACHE_HOME = path.join(home, '.cache');
  env.XDG_DATA_HOME = path.join(home, '.local', 'share');
  env.XDG_STATE_HOME = path.join(home, '.local', 'state');
  env.NO_COLOR = '1';
  env.FORCE_COLOR = '0';
  env.NO_UPDATE_NOTIFIER = '1';
  return env;
}

function mergeEnv(
  base: Record<string, string>,
  harness: Record<string, string>,
  overrides: EnvOverrides | undefined,
): Record<string, string> {
  const env = { ...base, ...harness };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function prepareHome(cwd: string, home: string | undefined): string {
  const dir = home ?? `${path.resolve(cwd)}.home`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

interface SpawnOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly timeoutMs: number;
}

/**
 * Spawns asynchronously (a fixture registry in this process must keep serving), in its own process
 * group so a timeout kills pnpm 12's Node workers and lifecycle scripts too.
 */
function runIsolated(file: string, args: readonly string[], opts: SpawnOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      output += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const exit = timedOut ? 124 : (code ?? 128 + signalNumber(signal));
      if (timedOut) output += `\n[harness] killed after ${opts.timeoutMs} ms\n`;
      resolve({ code: exit, stdout, stderr, output, durationMs: Date.now() - started, timedOut });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === null) return 0;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return signals[signal] ?? 0;
}

export interface MakeProjectOptions {
  /** Project directory (created); default a fresh temp dir. */
  readonly dir?: string;
  readonly packageManager: 'pnpm' | 'yarn';
  readonly dependencies: Record<string, string>;
  /** Default `fixture-project`. */
  readonly name?: string;
  /** Extra package.json fields, e.g. `dependenciesMeta` for Yarn. */
  readonly packageJson?: Record<string, unknown>;
  /** Extra files (path relative to the project -> contents). */
  readonly files?: Record<string, string>;
  /**
   * pnpm: settings written to pnpm-workspace.yaml (`allowBuilds`, `onlyBuiltDependencies`,
   * `strictDepBuilds`, ...). The file is written only when this is given.
   */
  readonly pnpmSettings?: Record<string, unknown>;
  /** Yarn: settings merged over the defaults in .yarnrc.yml (`nodeLinker: node-modules`, `yarnPath`). */
  readonly yarnSettings?: Record<string, unknown>;
}

/**
 * Writes a test project and returns its absolute directory. Yarn projects get an empty yarn.lock
 * (so Yarn treats the dir as a project root), `nodeLinker: node-modules` (installed files are
 * plain directories the tests can inspect) and `yarnPath` pointing at the devDependency.
 */
export async function makeProject(opts: MakeProjectOptions): Promise<string> {
  const dir = path.resolve(opts.dir ?? makeTempDir(`${opts.packageManager}-project`));
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: opts.name ?? 'fixture-project',
    version: '1.0.0',
    private: true,
    dependencies: opts.dependencies,
    ...opts.packageJson,
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (opts.packageManager === 'pnpm') {
    if (opts.pnpmSettings !== undefined)
      writeFileSync(path.join(dir, 'pnpm-workspace.yaml'), toYaml(opts.pnpmSettings));
  } else {
    const yarnrc = { nodeLinker: 'node-modules', yarnPath: yarnBin(), ...opts.yarnSettings };
    writeFileSync(path.join(dir, '.yarnrc.yml'), toYaml(yarnrc));
    writeFileSync(path.join(dir, 'yarn.lock'), '');
  }
  for (const [rel, content] of Object.entries(opts.files ?? {})) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

/** A fresh empty directory under the OS temp dir. */
export function makeTempDir(prefix = 'sumgate-e2e'): string {
  return mkdtempSync(path.join(tmpdir(), `${prefix}-`));
}

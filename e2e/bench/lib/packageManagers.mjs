// The three package managers the install benchmark times, from the repo's devDependencies, each in a
// clean environment (fresh HOME, store and cache directories set by variables), as the e2e harness
// (e2e/harness/packageManagers.ts) runs them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(path.join(repoRoot, 'e2e/package.json'));

/** `[file, leading args, version]` for one package manager: 'pnpm10', 'pnpm12' or 'yarn'. */
export function command(pm) {
  if (pm === 'pnpm10') {
    // pnpm 10's exports map only `.`, which is its package.json
    const manifest = createRequire(path.join(repoRoot, 'package.json')).resolve('pnpm');
    return [
      process.execPath,
      [path.join(path.dirname(manifest), 'bin', 'pnpm.cjs')],
      JSON.parse(readFileSync(manifest, 'utf8')).version,
    ];
  }
  if (pm === 'pnpm12') {
    const manifest = require.resolve('pnpm12/package.json');
    const exe = path.dirname(
      createRequire(manifest).resolve(`@pnpm/exe.${process.platform}-${process.arch}/package.json`),
    );
    return [path.join(exe, 'pnpm'), [], JSON.parse(readFileSync(manifest, 'utf8')).version];
  }
  if (pm === 'yarn') {
    const dir = path.join(repoRoot, 'node_modules/@yarnpkg/cli-dist');
    return [
      process.execPath,
      [path.join(dir, 'bin/yarn.js')],
      JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version,
    ];
  }
  throw new Error(`unknown package manager "${pm}": choose pnpm10, pnpm12 or yarn`);
}

const INHERITED = ['TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

/**
 * A clean environment: this Node first on PATH, a HOME per project, the registry and every cache
 * directory set by variables only. `dirs`: { home, store, pmCache, sumgateCache? }.
 */
export function environment(pm, registry, dirs) {
  const env = {};
  for (const k of INHERITED) if (process.env[k] !== undefined) env[k] = process.env[k];
  env.PATH = [
    path.dirname(process.execPath),
    ...(process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((e) => e !== '' && !e.split(path.sep).includes('node_modules')),
  ].join(path.delimiter);
  Object.assign(env, {
    HOME: dirs.home,
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
    XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
    XDG_STATE_HOME: path.join(dirs.home, '.local', 'state'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    NO_UPDATE_NOTIFIER: '1',
  });
  if (pm === 'yarn') {
    Object.assign(env, {
      YARN_NPM_REGISTRY_SERVER: registry.replace(/\/$/, ''),
      YARN_NPM_MINIMAL_AGE_GATE: '0',
      YARN_ENABLE_GLOBAL_CACHE: 'false',
      YARN_CACHE_FOLDER: dirs.pmCache,
      YARN_GLOBAL_FOLDER: yarnGlobalFolder(dirs),
      YARN_ENABLE_TELEMETRY: '0',
      YARN_ENABLE_PROGRESS_BARS: 'false',
      YARN_ENABLE_COLORS: 'false',
    });
  } else {
    const settings = {
      registry,
      store_dir: dirs.store,
      cache_dir: dirs.pmCache,
      state_dir: path.join(dirs.home, '.local', 'state', 'pnpm'),
      update_notifier: 'false',
      fetch_retries: '2',
    };
    for (const [k, v] of Object.entries(settings)) {
      env[`npm_config_${k}`] = v;
      env[`pnpm_config_${k}`] = v;
    }
    if (pm === 'pnpm12') env.NO_GRAPHICS = '1';
  }
  if (dirs.sumgateCache !== undefined) env.SUMGATE_CACHE_DIR = dirs.sumgateCache;
  return env;
}

/**
 * Yarn's global folder: its `cache` is Yarn's mirror (`enableMirror`, on by default even with
 * `enableGlobalCache: false`), filled on every download and read before any fetch, so a cold
 * store must empty it too.
 */
export const yarnGlobalFolder = (dirs) => path.join(dirs.home, '.yarn-global');

/** The install command each case times: frozen / immutable, node_modules already removed. */
export const installArgs = (pm) =>
  pm === 'yarn' ? ['install', '--immutable'] : ['install', '--frozen-lockfile'];

import os from 'node:os';
import path from 'node:path';

/** One cache directory shared by the pnpm and Yarn adapters and the CLI. */
export function resolveCacheDir(opts: {
  policyCacheDir?: string | undefined;
  workspaceRoot: string;
  env?: NodeJS.ProcessEnv;
}): string {
  const env = opts.env ?? process.env;
  if (env.SUMGATE_CACHE_DIR !== undefined && env.SUMGATE_CACHE_DIR !== '')
    return path.resolve(env.SUMGATE_CACHE_DIR);
  if (opts.policyCacheDir !== undefined) return path.resolve(opts.workspaceRoot, opts.policyCacheDir);
  const base =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : path.join(env.HOME ?? os.homedir(), '.cache');
  return path.join(base, 'sumgate');
}

/** A file-system-safe directory name for a log origin (`localhost/sumgate-npm` -> `localhost%2Fsumgate-npm`). */
export function originDirName(origin: string): string {
  return encodeURIComponent(origin);
}

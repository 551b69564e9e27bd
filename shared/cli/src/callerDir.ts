/**
 * The directory the user ran sumgate from. A package manager runs a script (`npm run sumgate --
 * init`, `pnpm sumgate audit`) in the directory of the package.json that defines it and passes
 * the caller's directory as INIT_CWD; sumgate acts on the caller's directory, so running the
 * checkout's script from a project sets up that project, not the checkout. A script that changed
 * directory itself (`cd sub && sumgate audit`) keeps its own directory.
 */
import path from 'node:path';

export function callerDir(env: NodeJS.ProcessEnv, cwd: string): string {
  const initCwd = env.INIT_CWD;
  if (initCwd === undefined || initCwd === '' || env.npm_lifecycle_event === undefined) return cwd;
  const scriptDir =
    env.npm_package_json === undefined || env.npm_package_json === ''
      ? undefined
      : path.dirname(path.resolve(env.npm_package_json));
  if (scriptDir !== undefined && path.resolve(scriptDir) !== path.resolve(cwd)) return cwd;
  return path.resolve(initCwd);
}

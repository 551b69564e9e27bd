/**
 * Imports the sumgate Yarn plugin with Yarn itself (`yarn plugin import <file>` copies it to
 * .yarn/plugins/ and lists it in .yarnrc.yml). Yarn is run the way the project pins it: the
 * `yarnPath` release from .yarnrc.yml when there is one, else `yarn` from PATH.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const YARN_PLUGIN_FILE = '.yarn/plugins/@yarnpkg/plugin-sumgate.cjs';

function yarnrcValue(root: string, key: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(root, '.yarnrc.yml'), 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${key}:\\s*(.+?)\\s*$`, 'm').exec(text);
  return m === null ? undefined : m[1]!.replace(/^(["'])(.*)\1$/, '$2');
}

export function yarnRegistry(root: string): string | undefined {
  return yarnrcValue(root, 'npmRegistryServer');
}

/** Whether the plugin is listed in .yarnrc.yml and its file is the given bundle. */
export function yarnPluginState(root: string, bundle: string): 'absent' | 'current' | 'other' {
  const listed = (() => {
    try {
      return readFileSync(path.join(root, '.yarnrc.yml'), 'utf8').includes(YARN_PLUGIN_FILE);
    } catch {
      return false;
    }
  })();
  const file = path.join(root, YARN_PLUGIN_FILE);
  if (!listed || !existsSync(file)) return 'absent';
  return readFileSync(file).equals(readFileSync(bundle)) ? 'current' : 'other';
}

export interface YarnRun {
  readonly ok: boolean;
  /** The command as a person would type it. */
  readonly display: string;
  readonly output: string;
  /** Yarn could not be started at all. */
  readonly notRunnable: boolean;
}

export function importYarnPlugin(root: string, bundle: string, env: NodeJS.ProcessEnv): Promise<YarnRun> {
  const yarnPath = yarnrcValue(root, 'yarnPath');
  const [file, pre] =
    yarnPath !== undefined ? [process.execPath, [path.resolve(root, yarnPath)]] : ['yarn', []];
  const args = [...pre, 'plugin', 'import', bundle];
  const display = `yarn plugin import ${bundle}`;
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(file, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d: Buffer): void => {
      output += d.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, display, output: e.message, notRunnable: true });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, display, output, notRunnable: false });
    });
  });
}

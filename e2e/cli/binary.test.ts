/**
 * The built `sumgate` binary as a process: run through a package manager's script from another
 * directory (INIT_CWD), and writing into a pipe whose reader has gone (`| head`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../harness/packageManagers.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'shared/cli/dist/sumgate.js');
const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const tmp = makeTempDir('sumgate-binary');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command; with `closeStdout` the reading end of its stdout is closed before it writes. */
function run(file: string, args: string[], opts: { cwd: string; closeStdout?: boolean }): Promise<Exit> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm run build\` first`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: path.join(tmp, 'home'),
    SUMGATE_CACHE_DIR: path.join(tmp, 'cache'),
    NO_UPDATE_NOTIFIER: '1',
    npm_config_update_notifier: 'false',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    if (opts.closeStdout === true) child.stdout.destroy();
    else child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the sumgate binary', () => {
  it('`npm run sumgate -- init` in a checkout acts on the directory npm was run from (INIT_CWD)', async () => {
    const checkout = path.join(tmp, 'checkout');
    const project = path.join(tmp, 'project');
    mkdirSync(checkout, { recursive: true });
    mkdirSync(project, { recursive: true });
    writeFileSync(
      path.join(checkout, 'package.json'),
      JSON.stringify({
        name: 'checkout',
        private: true,
        scripts: { sumgate: `node ${JSON.stringify(cli)}` },
      }),
    );
    writeFileSync(path.join(checkout, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    writeFileSync(path.join(project, 'pnpm-lock.yaml'), "lockfileVersion: '9.0'\n");

    const r = await run(
      'npm',
      [
        '--prefix',
        checkout,
        'run',
        'sumgate',
        '--',
        'init',
        '--log-url',
        'https://log.example.test/',
        '--log-vkey',
        VKEY,
      ],
      { cwd: project },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`sumgate init: pnpm project at ${project}`);
    expect(readFileSync(path.join(project, 'sumgate.jsonc'), 'utf8')).toContain('https://log.example.test/');
    expect(existsSync(path.join(project, '.pnpmfile.cjs'))).toBe(true);
    expect(existsSync(path.join(checkout, 'sumgate.jsonc'))).toBe(false);
    expect(existsSync(path.join(checkout, '.pnpmfile.cjs'))).toBe(false);
  });

  it('`sumgate audit --json` into a closed pipe finishes with its own exit code, no EPIPE crash', async () => {
    const dir = path.join(tmp, 'no-lockfile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{}');
    const audit = await run(process.execPath, [cli, 'audit', '--json'], { cwd: dir, closeStdout: true });
    expect(audit.stderr).not.toContain('EPIPE');
    expect(audit.stderr).not.toContain('internal error');
    expect(audit.stderr).toContain('sumgate audit:');
    expect(audit.code).toBe(2); // no lockfile: "could not check", the code a reader of the JSON would get too

    const help = await run(process.execPath, [cli, '--help'], { cwd: dir, closeStdout: true });
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
  });
});

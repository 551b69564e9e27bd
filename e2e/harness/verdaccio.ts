/**
 * A real Verdaccio (the e2e package's devDependency) as an honest caching mirror: its only uplink
 * is a fixture registry, so it never reaches the internet. It runs as a child process (its own
 * module graph and logger stay out of the test runner) from a generated config.yaml, with the web
 * UI and the audit middleware off, listening on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { toYaml } from './yaml.js';

export interface VerdaccioOptions {
  /** Registry Verdaccio proxies (e.g. a fixture registry's `url`). */
  readonly uplink: string;
  /** Directory for config.yaml, storage and the log (created). */
  readonly storageDir: string;
  readonly startTimeoutMs?: number;
}

export interface VerdaccioServer {
  /** Base URL, ends with `/`. */
  readonly url: string;
  /** Verdaccio's own log file (JSON lines). */
  readonly logFile: string;
  /** Everything the process printed so far. */
  output(): string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

export async function startVerdaccio(opts: VerdaccioOptions): Promise<VerdaccioServer> {
  const manifestPath = require.resolve('verdaccio/package.json');
  const bin = path.join(path.dirname(manifestPath), 'bin', 'verdaccio');
  const storageDir = path.resolve(opts.storageDir);
  mkdirSync(storageDir, { recursive: true });
  const logFile = path.join(storageDir, 'verdaccio.log');
  const configPath = path.join(storageDir, 'config.yaml');
  const access = { access: '$all', publish: '$authenticated', proxy: 'fixture' };
  writeFileSync(
    configPath,
    toYaml({
      storage: path.join(storageDir, 'storage'),
      plugins: path.join(storageDir, 'plugins'),
      web: { enable: false },
      auth: { htpasswd: { file: path.join(storageDir, 'htpasswd'), max_users: -1 } },
      uplinks: {
        fixture: { url: opts.uplink, timeout: '10s', max_fails: 5, fail_timeout: '1s', cache: true },
      },
      packages: { '@*/*': access, '**': access },
      middlewares: { audit: { enabled: false } },
      log: { type: 'file', path: logFile, format: 'json', level: 'info' },
    }),
  );

  const port = await freePort();
  const child = spawn(process.execPath, [bin, '--config', configPath, '--listen', `127.0.0.1:${port}`], {
    cwd: storageDir,
    // Only what it needs: no proxies, no npm_config_* from the runner.
    env: { PATH: path.dirname(process.execPath), HOME: storageDir, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (printed += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (printed += c));
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitUntilUp(url, child, opts.startTimeoutMs ?? 30_000);
  } catch (err) {
    await stop(child);
    throw new Error(`verdaccio did not start: ${(err as Error).message}\n${printed}`);
  }
  return { url, logFile, output: () => printed, close: () => stop(child) };
}

/** Polls Verdaccio's `/-/ping` endpoint until it answers 200. */
async function waitUntilUp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}-/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer on ${url} within ${timeoutMs} ms`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** An ephemeral port on 127.0.0.1 (bound, read, released); Verdaccio's CLI needs a number. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `sumgate proxy` as a user runs it: the built CLI (`shared/cli/dist/sumgate.js proxy`) as a child
 * process in the project, reading the project's `sumgate.jsonc`, on an ephemeral 127.0.0.1 port
 * unless one is given. Its stderr lines (verified, passed over, refused) are kept for assertions.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/cli/dist/sumgate.js');

export interface RunningProxy {
  readonly url: string;
  readonly port: number;
  /** Everything the proxy printed so far. */
  output(): string;
  /** How many times the proxy served `name@version` verified so far. */
  verifiedCount(pkg: string): number;
  close(): Promise<void>;
}

export async function startProxy(opts: {
  cwd: string;
  sumgateCache: string;
  home: string;
  port?: number;
  env?: Record<string, string>;
}): Promise<RunningProxy> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`pnpm run build\` first`);
  const child: ChildProcess = spawn(process.execPath, [cli, 'proxy', '--port', String(opts.port ?? 0)], {
    cwd: opts.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: opts.home,
      SUMGATE_CACHE_DIR: opts.sumgateCache,
      NO_COLOR: '1',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sumgate proxy did not start within 15 s:\n${output}`)),
      15_000,
    );
    const check = (): void => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sumgate proxy exited with ${String(code)} before listening:\n${output}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    output: () => output,
    verifiedCount: (pkg) =>
      output.split('\n').filter((line) => line.startsWith(`sumgate proxy: verified ${pkg} from `)).length,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb on a temporary directory, a free
 * port on 127.0.0.1 and a private socket directory, stopped and removed by stop(). The Debian
 * binaries live in `pg_config --bindir`. initdb refuses to run as root, so as root the cluster runs
 * as the `postgres` user (the directory is chowned to it).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** A URL for a new, empty database (created on the cluster). */
  createDatabase(name: string): string;
  /** A crash of the database server (`pg_ctl stop -m immediate`: no checkpoint, WAL replay on start), then a start on the same port. */
  crashAndRestart(): void;
  stop(): void;
}

function bindir(): string {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL is not installed (no pg_config); .ci/run installs postgresql-15 on Debian');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export function hasPostgres(): boolean {
  try {
    bindir();
    return true;
  } catch {
    return false;
  }
}

export interface PgClusterOptions {
  fsync?: boolean;
  /** More `-c name=value` settings (the benchmark passes PRODUCTION_SETTINGS). */
  settings?: readonly string[];
}

/**
 * The settings recommended for a log's database on a dedicated machine of about 24 GB (the
 * benchmark's cluster uses them; docs/log-operator-guide.md explains them). Durability stays on:
 * fsync, synchronous_commit and full_page_writes keep their defaults.
 */
export const PRODUCTION_SETTINGS: readonly string[] = [
  // The leaf index and its rows, read by every lookup, stay in PostgreSQL's own cache (about 2.5 GB
  // at 10M entries); a quarter of the memory is the usual size.
  'shared_buffers=6GB',
  'effective_cache_size=16GB',
  // Fewer checkpoints: each one makes the next write of every page a full-page image in the WAL.
  'max_wal_size=16GB',
  'checkpoint_timeout=30min',
  'checkpoint_completion_target=0.9',
  'wal_buffers=64MB',
  'wal_compression=lz4',
];

export async function startPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const bin = bindir();
  const root = mkdtempSync(join(tmpdir(), 'sumgate-pg-'));
  const data = join(root, 'data');
  const sock = join(root, 'sock');
  execFileSync('mkdir', ['-p', data, sock]);
  chmodSync(root, 0o755);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', root]);
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    execFileSync(file, argv, { stdio: 'pipe', cwd: root });
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale']);
  const port = await freePort();
  // fsync stays on by default: the crash test depends on committed meaning durable.
  const settings = [
    `-p ${port}`,
    `-k ${sock}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=200',
    '-c shared_buffers=256MB',
  ];
  for (const s of opts.settings ?? []) settings.push(`-c ${s}`);
  if (opts.fsync === false)
    settings.push('-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off');
  const start = (): void =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(root, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      settings.join(' '),
      'start',
    ]);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    port,
    createDatabase(name: string): string {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const [file, argv] = asRoot
        ? [
            'runuser',
            ['-u', 'postgres', '--', join(bin, 'createdb'), '-h', '127.0.0.1', '-p', String(port), name],
          ]
        : [join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]];
      execFileSync(file, argv, { stdio: 'pipe', cwd: root });
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    crashAndRestart(): void {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      start();
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

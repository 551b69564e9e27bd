/**
 * `sumgate log <init|serve|ingest>`: the command-line face of the log server. Prints through the
 * given io, returns an exit code (0 ok, 1 refused/failed, 2 usage); never calls process.exit.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorRow, isSumgateError, type NpmRegistryKey, parseNpmKeys } from '@sumgate/core';
import { ingestFromListFile, ingestFromLockfile, type IngestProgress } from './bulkIngest.js';
import { initLog } from './init.js';
import { jsonLineLogger } from './ops/jsonLines.js';
import { commitKeyRotation, prepareKeyRotation } from './ops/rotateKey.js';
import { formatStatus, logStatus } from './ops/status.js';
import { serveLog } from './serve.js';
import { parseWitnessFlag, type WitnessEndpoint } from './witness/witnessSubmitter.js';

export interface LogCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Stops `log serve` (default: SIGINT or SIGTERM). */
  signal?: AbortSignal;
  /** Relative paths in flags (--dir, --lockfile, ...) are resolved against this (default: process.cwd()). */
  cwd?: string;
}

export const LOG_HELP = `usage:
  sumgate log init   --dir <dir> --origin <name>
      Create a log: an Ed25519 key pair (log.skey, mode 0600) and an empty signed log.
      Prints the verifier key to put in your sumgate policy.
  sumgate log serve  --dir <dir> [--port <n>] [--host <addr>] [--upstream <url>[,<url>...]]
                     [--npm-keys <keys.json>] [--tls-cert <cert.pem> --tls-key <key.pem>]
                     [--drain-timeout-ms <n>]
      Serve the log over HTTP, or HTTPS with --tls-cert and --tls-key (default 127.0.0.1, an
      ephemeral port). With --upstream, unknown versions are ingested from those registries
      (tried in order) when looked up. Prints one JSON line per request and per ingestion.
      GET /healthz answers 200 while serving. On SIGTERM or SIGINT it stops accepting, lets
      requests in flight finish (up to --drain-timeout-ms, default 30000), then exits 0.
  sumgate log serve  --postgres <url> (--dir <dir> | --read-only) [--witness <url>=<vkey>[,...]] ...
      Keep the log in PostgreSQL: with --dir (the keys), the one sequencer; with --read-only, a
      stateless read frontend (run any number). --witness (also without --postgres): witnesses
      (c2sp.org/tlog-witness) asked to cosign each new checkpoint before it is served.
  sumgate log ingest --dir <dir> (--lockfile <path> | --list <file>) --upstream <url>[,<url>...]
                     [--npm-keys <keys.json>] [--concurrency <n>] [--recheck]
      Add every registry version of a lockfile (pnpm-lock.yaml, package-lock.json, yarn.lock) or
      of a list file (one name@version per line). --recheck re-observes logged versions and
      reports conflicting ones (kept as evidence).
  sumgate log status --dir <dir> [--json]
      Origin, vkey, size, the last signed checkpoint and when it was published, disk use,
      evidence on record, and whether a server has the directory open. Safe while serving.
  sumgate log rotate-key --dir <dir> (--prepare | --commit)
      Move the log to a new signing key: --prepare makes the new key and prints its vkey for
      clients to add to log.vkeys; --commit (server stopped) switches to it, keeping the old
      pair as log.skey.retired-<hash>. See docs/log-operator-guide.md.

examples:
  sumgate log init --dir /var/lib/sumgate-log --origin sum.example.com/npm
  sumgate log serve --dir /var/lib/sumgate-log --host 0.0.0.0 --port 8443 \\
    --upstream https://registry.npmjs.org/ --tls-cert /etc/sumgate-log/cert.pem --tls-key /etc/sumgate-log/key.pem
  sumgate log status --dir /var/lib/sumgate-log
`;

class UsageError extends Error {}

type Flags = Map<string, string | true>;

const COMMANDS: Record<string, { values: string[]; switches: string[] }> = {
  init: { values: ['dir', 'origin'], switches: [] },
  serve: {
    values: [
      'dir',
      'port',
      'host',
      'upstream',
      'npm-keys',
      'batch-delay-ms',
      'tls-cert',
      'tls-key',
      'drain-timeout-ms',
      'postgres',
      'witness',
    ],
    switches: ['allow-direct-append', 'read-only'],
  },
  ingest: {
    values: ['dir', 'lockfile', 'list', 'upstream', 'npm-keys', 'concurrency'],
    switches: ['recheck'],
  },
  status: { values: ['dir'], switches: ['json'] },
  'rotate-key': { values: ['dir'], switches: ['prepare', 'commit'] },
};

/** Flags that name files, resolved against the caller's directory. */
const PATH_FLAGS = ['dir', 'lockfile', 'list', 'npm-keys', 'tls-cert', 'tls-key'];

function parseFlags(command: string, args: string[]): Flags {
  const spec = COMMANDS[command]!;
  const flags: Flags = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const name = m[1]!;
    if (spec.switches.includes(name)) {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (spec.values.includes(name)) {
      const value = m[2] ?? args[++i];
      if (value === undefined || (m[2] === undefined && value.startsWith('--')))
        throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown flag --${name} for "log ${command}"`);
    }
  }
  return flags;
}

function need(flags: Flags, name: string): string {
  const v = flags.get(name);
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function intFlag(flags: Flags, name: string, min: number, max: number): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function upstreams(flags: Flags): string[] {
  const v = flags.get('upstream');
  if (typeof v !== 'string') return [];
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const u of list) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`--upstream ${JSON.stringify(u)} is not an http(s) URL`);
  }
  return list;
}

function npmKeys(flags: Flags): NpmRegistryKey[] | undefined {
  const v = flags.get('npm-keys');
  return typeof v === 'string' ? parseNpmKeys(JSON.parse(readFileSync(v, 'utf8'))) : undefined;
}

function postgresFlag(flags: Flags): string | undefined {
  const v = flags.get('postgres');
  if (v === undefined) {
    if (flags.get('read-only') === true) throw new UsageError('--read-only needs --postgres');
    return undefined;
  }
  if (typeof v !== 'string' || !/^postgres(ql)?:\/\//.test(v))
    throw new UsageError('--postgres must be a postgres:// URL');
  return v;
}

function witnessFlags(flags: Flags): WitnessEndpoint[] | undefined {
  const v = flags.get('witness');
  if (typeof v !== 'string') return undefined;
  try {
    return v.split(',').map((w) => parseWitnessFlag(w.trim()));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function runLogCommand(argv: string[], io: LogCommandIo): Promise<number> {
  const args = argv[0] === 'log' ? argv.slice(1) : argv;
  const command = args[0];
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.stdout(LOG_HELP);
    return command === undefined ? 2 : 0;
  }
  try {
    if (!(command in COMMANDS)) throw new UsageError(`unknown command "log ${command}"`);
    if (args.includes('--help')) {
      io.stdout(LOG_HELP);
      return 0;
    }
    const flags = parseFlags(command, args.slice(1));
    for (const name of PATH_FLAGS) {
      const v = flags.get(name);
      if (typeof v === 'string' && v !== '') flags.set(name, resolve(io.cwd ?? process.cwd(), v));
    }
    if (command === 'init') return await runInit(flags, io);
    if (command === 'serve') return await runServe(flags, io);
    if (command === 'status') return runStatus(flags, io);
    if (command === 'rotate-key') return await runRotateKey(flags, io);
    return await runIngest(flags, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`sumgate log: ${e.message}\n\n${LOG_HELP}`);
      return 2;
    }
    if (isSumgateError(e)) {
      io.stderr(`${e.describe()}\n`);
      return errorRow(e.code).exitCode;
    }
    io.stderr(`sumgate log: ${(e as Error).message}\n`);
    return 1;
  }
}

async function runInit(flags: Flags, io: LogCommandIo): Promise<number> {
  const dir = need(flags, 'dir');
  const origin = need(flags, 'origin');
  const { vkey } = await initLog({ dir, origin });
  io.stdout(`created log ${origin} in ${dir}\nvkey: ${vkey}\n`);
  return 0;
}

function tlsFiles(flags: Flags): { cert: Buffer; key: Buffer } | undefined {
  const cert = flags.get('tls-cert');
  const key = flags.get('tls-key');
  if (cert === undefined && key === undefined) return undefined;
  if (typeof cert !== 'string' || typeof key !== 'string')
    throw new UsageError('give both --tls-cert and --tls-key (PEM files), or neither');
  const read = (file: string, flag: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new UsageError(
        `--${flag} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
  };
  return { cert: read(cert, 'tls-cert'), key: read(key, 'tls-key') };
}

async function runServe(flags: Flags, io: LogCommandIo): Promise<number> {
  const opsLog = jsonLineLogger(io.stdout);
  const server = await serveLog({
    dir: flags.get('read-only') === true ? '' : need(flags, 'dir'),
    postgres: postgresFlag(flags),
    readOnly: flags.get('read-only') === true,
    witnesses: witnessFlags(flags),
    port: intFlag(flags, 'port', 0, 65535) ?? 0,
    host: typeof flags.get('host') === 'string' ? (flags.get('host') as string) : '127.0.0.1',
    tls: tlsFiles(flags),
    upstreams: upstreams(flags),
    npmKeys: npmKeys(flags),
    batchMaxDelayMs: intFlag(flags, 'batch-delay-ms', 0, 10_000),
    drainTimeoutMs: intFlag(flags, 'drain-timeout-ms', 0, 3_600_000),
    allowDirectAppend: flags.get('allow-direct-append') === true,
    opsLog,
    onError: (e) => opsLog('error', { message: (e as Error).message, stack: (e as Error).stack }),
  });
  io.stdout(`serving ${server.log.origin} at ${server.url}\nvkey: ${server.vkey}\n`);
  const signal = await new Promise<string>((resolveStop) => {
    const onSigint = (): void => stop('SIGINT');
    const onSigterm = (): void => stop('SIGTERM');
    const stop = (name: string): void => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      resolveStop(name);
    };
    if (io.signal !== undefined) {
      if (io.signal.aborted) return stop('abort');
      io.signal.addEventListener('abort', () => stop('abort'), { once: true });
    }
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  });
  const started = performance.now();
  opsLog('shutdown', { signal, inFlight: server.inFlight() });
  await server.close();
  // The size after the drain (the embedded log and a PostgreSQL sequencer keep it in memory; a
  // read frontend would have to ask its closed database).
  const size = 'append' in server.log ? (await server.log.checkpoint()).size : undefined;
  opsLog('stopped', { size, drainMs: Math.round(performance.now() - started) });
  io.stdout('log server stopped\n');
  return 0;
}

function runStatus(flags: Flags, io: LogCommandIo): number {
  const status = logStatus(need(flags, 'dir'));
  io.stdout(flags.get('json') === true ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  return 0;
}

async function runRotateKey(flags: Flags, io: LogCommandIo): Promise<number> {
  const dir = need(flags, 'dir');
  const prepare = flags.get('prepare') === true;
  if (prepare === (flags.get('commit') === true))
    throw new UsageError('give exactly one of --prepare and --commit');
  if (prepare) {
    const { vkey, current } = await prepareKeyRotation(dir);
    io.stdout(
      `prepared a new key for ${dir}\nnew vkey:     ${vkey}\ncurrent vkey: ${current}\n\nnext: give the new vkey to every client; they list both in "log.vkeys" of sumgate.jsonc:\n  "vkeys": [${JSON.stringify(current)}, ${JSON.stringify(vkey)}]\nthen stop the server and run: sumgate log rotate-key --dir ${dir} --commit\n`,
    );
    return 0;
  }
  const { vkey, retired } = await commitKeyRotation(dir);
  io.stdout(
    `switched ${dir} to the new key\nvkey: ${vkey}\n${retired === undefined ? '' : `the old key pair is kept as log.skey.retired-*/log.vkey.retired-* (destroy it once clients dropped ${retired})\n`}\nnext: start the server; once every client has the new vkey, remove the old one from "log.vkeys".\n`,
  );
  return 0;
}

async function runIngest(flags: Flags, io: LogCommandIo): Promise<number> {
  const dir = need(flags, 'dir');
  const lockfile = flags.get('lockfile');
  const list = flags.get('list');
  if ((lockfile === undefined) === (list === undefined))
    throw new UsageError('give exactly one of --lockfile and --list');
  const ups = upstreams(flags);
  if (ups.length === 0) throw new UsageError('--upstream is required');
  let last = 0;
  const onProgress = (p: IngestProgress): void => {
    if (p.outcome === 'failed') io.stderr(`  ${p.name}@${p.version}: ${p.reason}\n`);
    if (p.done === p.total || Date.now() - last > 1000) {
      last = Date.now();
      io.stdout(`ingested ${p.done}/${p.total}\n`);
    }
  };
  const common = {
    dir,
    upstreams: ups,
    npmKeys: npmKeys(flags),
    concurrency: intFlag(flags, 'concurrency', 1, 256),
    recheck: flags.get('recheck') === true,
    onProgress,
  };
  const summary =
    typeof lockfile === 'string'
      ? await ingestFromLockfile({ ...common, lockfile })
      : await ingestFromListFile({ ...common, list: list as string });
  io.stdout(`added ${summary.added}, already logged ${summary.existing}, failed ${summary.failed.length}\n`);
  return summary.failed.length === 0 ? 0 : 1;
}

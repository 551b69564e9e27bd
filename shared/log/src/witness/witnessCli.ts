/**
 * `sumgate witness <init|add-log|serve>`: run a c2sp.org/tlog-witness witness. Prints through the
 * given io and returns an exit code (0 ok, 1 failed, 2 usage); never calls process.exit.
 */
import { isSumgateError } from '@sumgate/core';
import { addWitnessedLog, initWitness } from './witnessFiles.js';
import { serveWitness } from './witnessServer.js';

export interface WitnessCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Stops `witness serve` (default: SIGINT or SIGTERM). */
  signal?: AbortSignal;
}

export const WITNESS_HELP = `usage:
  sumgate witness init    --dir <dir> --name <name>
      Create a witness: an Ed25519 cosigner key pair (witness.skey, mode 0600). Prints the key
      clients put in log.witnesses.keys.
  sumgate witness add-log --dir <dir> --vkey <log vkey> [--origin <checkpoint origin>]
      Trust a log (any C2SP log; the origin defaults to the key name, Go's sumdb needs
      --origin "go.sum database tree").
  sumgate witness serve   --dir <dir> [--port <n>] [--host <addr>]
      Serve POST /add-checkpoint (c2sp.org/tlog-witness) on 127.0.0.1 unless told otherwise.
`;

const SPEC: Record<string, string[]> = {
  init: ['dir', 'name'],
  'add-log': ['dir', 'vkey', 'origin'],
  serve: ['dir', 'port', 'host'],
};

class UsageError extends Error {}

function parse(command: string, args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(args[i]!);
    if (m === null) throw new UsageError(`unexpected argument ${JSON.stringify(args[i])}`);
    if (!SPEC[command]!.includes(m[1]!))
      throw new UsageError(`unknown flag --${m[1]} for "witness ${command}"`);
    const v = m[2] ?? args[++i];
    if (v === undefined) throw new UsageError(`--${m[1]} needs a value`);
    flags.set(m[1]!, v);
  }
  return flags;
}

function need(flags: Map<string, string>, name: string): string {
  const v = flags.get(name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export async function runWitnessCommand(argv: string[], io: WitnessCommandIo): Promise<number> {
  const args = argv[0] === 'witness' ? argv.slice(1) : argv;
  const command = args[0];
  if (command === undefined || command === 'help' || command === '--help' || args.includes('--help')) {
    io.stdout(WITNESS_HELP);
    return command === undefined ? 2 : 0;
  }
  try {
    if (!(command in SPEC)) throw new UsageError(`unknown command "witness ${command}"`);
    const flags = parse(command, args.slice(1));
    const dir = need(flags, 'dir');
    if (command === 'init') {
      const { vkey } = await initWitness(dir, need(flags, 'name'));
      io.stdout(`created witness in ${dir}\nvkey: ${vkey}\n`);
      return 0;
    }
    if (command === 'add-log') {
      const l = await addWitnessedLog(dir, need(flags, 'vkey'), flags.get('origin'));
      io.stdout(`witnessing ${JSON.stringify(l.origin)}\n`);
      return 0;
    }
    const port = Number(flags.get('port') ?? '0');
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError('--port must be an integer from 0 to 65535');
    const server = await serveWitness({
      dir,
      port,
      host: flags.get('host') ?? '127.0.0.1',
      onError: (e) => io.stderr(`sumgate witness: internal error: ${(e as Error).stack ?? String(e)}\n`),
    });
    io.stdout(`witness ${server.witness.name} at ${server.url}\nvkey: ${server.vkey}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      if (io.signal?.aborted === true) return stop();
      io.signal?.addEventListener('abort', stop, { once: true });
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    io.stdout('witness stopped\n');
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`sumgate witness: ${e.message}\n\n${WITNESS_HELP}`);
      return 2;
    }
    if (isSumgateError(e)) {
      io.stderr(`${e.describe()}\n`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    io.stderr(`sumgate witness: ${(e as Error).message}\n`);
    return 1;
  }
}

import { runLogCommand } from '@sumgate/log';
import type { Command } from '../io.js';

/** `sumgate log ...`: the checksum log server (shared/log) behind the one command. */
export const log: Command = {
  name: 'log',
  summary: 'run a checksum log: init, serve, ingest, status, rotate-key (sumgate log --help)',
  usage: 'usage: sumgate log <init|serve|ingest|status|rotate-key> ... (sumgate log --help)',
  run(argv, io) {
    return runLogCommand([...argv], { stdout: io.stdout, stderr: io.stderr, cwd: io.cwd });
  },
};

import { runWitnessCommand } from '@sumgate/log';
import type { Command } from '../io.js';

/** `sumgate witness ...`: a c2sp.org/tlog-witness witness (shared/log) behind the one command. */
export const witness: Command = {
  name: 'witness',
  summary: 'run a checkpoint witness: init, add-log, serve (sumgate witness --help)',
  usage: 'usage: sumgate witness <init|add-log|serve> ... (sumgate witness --help)',
  run(argv, io) {
    return runWitnessCommand([...argv], { stdout: io.stdout, stderr: io.stderr });
  },
};

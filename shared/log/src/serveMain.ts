/**
 * Standalone log server process: `node dist/serveMain.js serve --dir <dir> [...]` (the same
 * commands as `sumgate log`). Used to run the log without the sumgate CLI, and by the crash test,
 * which SIGKILLs it. Once the command is done the process exits: after a drain that cut requests
 * (--drain-timeout-ms), their upstream fetches must not keep a stopped server alive.
 */
import { runLogCommand } from './cli.js';

const code = await runLogCommand(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
process.exit(code);

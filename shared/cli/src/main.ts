import { errorRow, isSumgateError } from '@sumgate/core';
import { UsageError } from './args.js';
import { approve } from './commands/approve.js';
import { audit } from './commands/audit.js';
import { explain } from './commands/explain.js';
import { init } from './commands/init.js';
import { log } from './commands/log.js';
import { proofVerify } from './commands/proofVerify.js';
import { proxy } from './commands/proxy.js';
import { witness } from './commands/witness.js';
import type { Command, Io } from './io.js';
import { CLI_VERSION } from './version.js';

const COMMANDS: readonly Command[] = [init, audit, approve, explain, proxy, log, proofVerify, witness];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `sumgate: verified pnpm and Yarn installs (a checksum log, quarantine of new install-time code)

usage: sumgate <command> [options]     (sumgate <command> --help for details)

${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

examples:
  sumgate init --log-url https://sum.example.com/npm/ --log-vkey '<vkey from the log operator>'
  sumgate approve esbuild@0.25.1        review a quarantined version's install-time code, then approve it
  sumgate audit                         in CI: every locked package against the log (exit 1 if refused)
  sumgate explain esbuild@0.25.1        why a version is accepted or refused
  sumgate log serve --dir ./log --port 8090 --upstream https://registry.npmjs.org/
  sumgate proxy                         a verifying registry on 127.0.0.1:4880 for npm, Bun and Yarn 1

  sumgate --version                     this CLI's version
`;
}

/** Runs the CLI; returns the exit code (0 ok, 1 findings or refusal, 2 usage or could not check). */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    io.stdout(help());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    io.stdout(`sumgate ${CLI_VERSION}\n`);
    return 0;
  }
  // Longest command name first, so `log serve` wins over a hypothetical `log`.
  const command = [...COMMANDS]
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)
    .find((c) => c.name.split(' ').every((word, i) => argv[i] === word));
  if (command === undefined) {
    io.stderr(`sumgate: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${help()}`);
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`sumgate ${command.name}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (isSumgateError(e)) {
      io.stderr(`${e.describe()}\n`);
      return errorRow(e.code).exitCode;
    }
    throw e;
  }
}

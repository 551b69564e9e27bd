#!/usr/bin/env node
import { createInterface } from 'node:readline/promises';
import { callerDir } from './callerDir.js';
import { main } from './main.js';
import { pipeSafeWriter } from './stdio.js';

const stdout = pipeSafeWriter(process.stdout);
const stderr = pipeSafeWriter(process.stderr);

const io = {
  stdout,
  stderr,
  cwd: callerDir(process.env, process.cwd()),
  env: process.env,
  interactive: process.stdout.isTTY === true && process.stdin.isTTY === true,
  prompt:
    process.stdin.isTTY === true
      ? async (q: string) => {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          try {
            return await rl.question(q);
          } finally {
            rl.close();
          }
        }
      : undefined,
};

const argv = process.argv.slice(2);
// A stopped log server exits even if requests cut at the end of its drain left upstream fetches open.
const isServer = (argv[0] === 'log' && argv[1] === 'serve') || argv[0] === 'proxy';

main(argv, io).then(
  (code) => {
    process.exitCode = code;
    if (isServer) process.exit(code);
  },
  (e: unknown) => {
    stderr(`sumgate: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);

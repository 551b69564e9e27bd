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
  prompt: process.stdin.isTTY === true
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

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    stderr(`sumgate: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);

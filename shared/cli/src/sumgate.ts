#!/usr/bin/env node
import { createInterface } from 'node:readline/promises';
import { main } from './main.js';

const io = {
  stdout: (t: string) => void process.stdout.write(t),
  stderr: (t: string) => void process.stderr.write(t),
  cwd: process.cwd(),
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
    process.stderr.write(`sumgate: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);

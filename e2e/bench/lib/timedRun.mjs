// One timed child process: wall time (spawn to exit) and CPU time (user + sys of the child and every
// descendant it waited for: pnpm 12's Node workers, Yarn's children), from GNU time's rusage.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';
if (process.platform !== 'linux' || !existsSync(GNU_TIME)) {
  throw new Error(
    'the install benchmark needs Linux and GNU time (/usr/bin/time) for the CPU time of the children',
  );
}

let seq = 0;

/** Runs `file ...args`; resolves { ms, cpuMs, output }, rejects (with the output's tail) on a non-zero exit. */
export function timedRun(file, args, { cwd, env, label }) {
  const timeFile = path.join(tmpdir(), `sumgate-bench-rusage-${process.pid}-${seq++}.txt`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-o', timeFile, '-f', '%U %S', file, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c) => {
      output += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c) => {
      output += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      let cpuMs = Number.NaN;
      try {
        const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
        cpuMs = (user + sys) * 1000;
      } catch {
        // reported as NaN: the run still counts for wall time
      }
      rmSync(timeFile, { force: true });
      if (code !== 0) reject(new Error(`${label}: exited ${code} in ${cwd}:\n${output.slice(-4000)}`));
      else resolve({ ms, cpuMs, output });
    });
  });
}

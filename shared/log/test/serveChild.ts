/** A real `log serve` process (the bundle from conformance/crash.ts) for shutdown tests, and helpers to watch it. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServeChild {
  child: ChildProcess;
  url: string;
  out: () => string;
  exited: Promise<number | null>;
}

export async function startServeChild(serveMain: string, args: string[]): Promise<ServeChild> {
  const child = spawn(
    process.execPath,
    [serveMain, 'serve', '--port', '0', '--batch-delay-ms', '2', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (https?:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m !== null) ok(m[1]!);
    });
    void exited.then((code) => fail(new Error(`log server exited (${code}): ${out}`)));
  });
  return { child, url, out: () => out, exited };
}

export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function jsonLines(out: string): Array<Record<string, unknown>> {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

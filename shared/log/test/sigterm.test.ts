/**
 * Graceful shutdown of a real `log serve` process: on SIGTERM it stops accepting connections,
 * finishes the request in flight (an on-demand ingestion waiting on a slow upstream), makes the
 * ingested entry durable, prints its shutdown lines and exits 0. A request that outlives
 * --drain-timeout-ms is cut, and the process still exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLookupResponse } from '@sumgate/core';
import { initLog, openLog } from '../src/index.js';
import { buildServeMain } from './conformance/crash.js';
import { FakeRegistry, makeTarball } from './fakeRegistry.js';
import { removeTempDirs, tempDir } from './tmp.js';

let serveMain = '';
let registry: FakeRegistry;

beforeAll(async () => {
  serveMain = buildServeMain();
  registry = await new FakeRegistry().start();
  registry.add('slow', '1.0.0', { tgz: makeTarball('slow', '1.0.0') });
}, 60_000);
afterAll(async () => {
  await registry.close();
  removeTempDirs();
});

interface Child {
  child: ChildProcess;
  url: string;
  out: () => string;
  exited: Promise<number | null>;
}

async function start(dir: string, extra: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [serveMain, 'serve', '--dir', dir, '--port', '0', '--upstream', registry.url, '--batch-delay-ms', '2', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m !== null) ok(m[1]!);
    });
    void exited.then((code) => fail(new Error(`log server exited (${code}): ${out}`)));
  });
  return { child, url, out: () => out, exited };
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function jsonLines(out: string): Array<Record<string, unknown>> {
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('SIGTERM', () => {
  it('drains the request in flight: it completes, new connections are refused, the entry is durable, exit 0', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'sigterm.test/log' });
    const s = await start(dir);
    registry.delayMs = 1500;
    registry.hits.clear();
    const inFlight = fetch(`${s.url}/lookup/slow@1.0.0`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await until(() => registry.hits.has('/slow'), 'the ingestion to reach the upstream');

    s.child.kill('SIGTERM');
    await until(() => s.out().includes('"event":"shutdown"'), 'the shutdown line');
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(parseLookupResponse(answered.body).record).toContain('slow');
    expect(await s.exited).toBe(0);
    registry.delayMs = 0;

    const lines = jsonLines(s.out());
    expect(lines.find((l) => l.event === 'shutdown')).toMatchObject({ signal: 'SIGTERM', inFlight: 1 });
    expect(lines.find((l) => l.event === 'request')).toMatchObject({ path: '/lookup/slow@1.0.0', status: 200 });
    expect(lines.find((l) => l.event === 'stopped')).toMatchObject({ size: 1 });
    expect(s.out()).toContain('log server stopped\n');

    const log = await openLog(dir);
    try {
      expect(log.lookup('slow@1.0.0')).toBeDefined();
    } finally {
      await log.close();
    }
  }, 30_000);

  it('cuts a request that outlives --drain-timeout-ms and still exits 0', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'sigterm.test/timeout' });
    const s = await start(dir, ['--drain-timeout-ms', '200']);
    registry.delayMs = 5000;
    registry.hits.clear();
    const inFlight = fetch(`${s.url}/lookup/slow@1.0.0`).then((r) => r.status, (e: Error) => e.message);
    await until(() => registry.hits.has('/slow'), 'the ingestion to reach the upstream');
    const killedAt = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(Date.now() - killedAt).toBeLessThan(4000);
    expect(await inFlight).not.toBe(200);
    registry.delayMs = 0;
  }, 30_000);
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, NetworkError } from '../../src/sources/http.js';

/** A server on 127.0.0.1 that never answers, and reports when a client's connection goes away. */
function silentServer(): Promise<{
  url: string;
  closed: Promise<void>;
  requests: () => number;
  stop(): void;
}> {
  let requests = 0;
  let onClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    onClosed = resolve;
  });
  const srv = http.createServer((req) => {
    requests++;
    req.socket.once('close', onClosed);
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`,
        closed,
        requests: () => requests,
        stop: () => {
          srv.closeAllConnections();
          srv.close();
        },
      }),
    ),
  );
}

describe('http client: cancelling a request', () => {
  const open: Array<() => void> = [];
  afterEach(() => {
    for (const c of open.splice(0)) c();
  });

  it('rejects at once with an aborted NetworkError and closes the connection', async () => {
    const s = await silentServer();
    open.push(s.stop);
    const controller = new AbortController();
    const started = Date.now();
    const pending = createHttpClient()(s.url, { signal: controller.signal, timeoutMs: 30_000 });
    setTimeout(() => controller.abort(new Error('the log is closing')), 100);
    const e = await pending.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect((e as NetworkError).aborted).toBe(true);
    expect((e as NetworkError).timeout).toBeUndefined();
    expect((e as NetworkError).message).toContain('cancelled (the log is closing)');
    expect(Date.now() - started).toBeLessThan(10_000);
    await s.closed; // the server's side of the connection went away: nothing holds it open
  });

  it('sends nothing when the signal is already aborted', async () => {
    const s = await silentServer();
    open.push(s.stop);
    const e = await createHttpClient()(s.url, { signal: AbortSignal.abort() }).catch((x: unknown) => x);
    expect((e as NetworkError).aborted).toBe(true);
    expect(s.requests()).toBe(0);
  });

  it('refuses a declared body larger than maxBytes before reading it', async () => {
    const srv = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(1 << 20) });
      res.write(Buffer.alloc(1024));
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    open.push(() => {
      srv.closeAllConnections();
      srv.close();
    });
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
    const e = await createHttpClient()(url, { maxBytes: 4096 }).catch((x: unknown) => x);
    expect((e as NetworkError).tooLarge).toBe(true);
    expect((e as NetworkError).aborted).toBe(false);
  });
});

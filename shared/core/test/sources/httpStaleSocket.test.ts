import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, NetworkError } from '../../src/sources/http.js';

/**
 * A raw server on 127.0.0.1 that answers each connection's first request (keep-alive) and then,
 * as a server whose keep-alive timeout just ran out does, closes the connection without answering
 * the next request on it (`closeSecond`), or closes every connection before answering (`always`).
 */
function server(
  mode: 'closeSecond' | 'always',
): Promise<{ url: string; connections: () => number; close: () => void }> {
  let connections = 0;
  const srv = net.createServer((socket) => {
    connections++;
    let requests = 0;
    socket.on('data', (chunk) => {
      if (!chunk.toString('latin1').includes('\r\n\r\n')) return;
      requests++;
      if (mode === 'always' || requests > 1) {
        socket.destroy();
        return;
      }
      socket.write(
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok',
      );
    });
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`,
        connections: () => connections,
        close: () => srv.close(),
      }),
    ),
  );
}

describe('http client: a kept-alive socket the server closed', () => {
  const open: Array<() => void> = [];
  afterEach(() => {
    for (const c of open.splice(0)) c();
  });

  it("is retried once on a new connection, and the answer is the new connection's", async () => {
    const s = await server('closeSecond');
    open.push(s.close);
    const client = createHttpClient();
    expect((await client(s.url)).body.toString()).toBe('ok');
    const second = await client(s.url);
    expect(second.status).toBe(200);
    expect(second.body.toString()).toBe('ok');
    expect(s.connections()).toBe(2);
  });

  it('is not retried when the connection was a fresh one: the failure is reported', async () => {
    const s = await server('always');
    open.push(s.close);
    const client = createHttpClient();
    const err = await client(s.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).staleSocket).toBe(false);
    expect(s.connections()).toBe(1);
  });
});

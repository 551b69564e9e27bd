/**
 * A log as one released before GET /versions/ existed: a 127.0.0.1 reverse proxy in front of a
 * real log that answers that route 404 (as the older router did: "no such resource") and forwards
 * every other request, body and status unchanged, so checkpoints, proofs and ingestion are the
 * real log's.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestLog } from './sumgate.js';

export interface OlderLog {
  /** Base URL, ends with `/`; the real log's key verifies it. */
  readonly url: string;
  readonly vkey: string;
  /** Paths of the /versions/ requests it refused. */
  readonly refused: string[];
  close(): Promise<void>;
}

export async function startOlderLog(log: TestLog): Promise<OlderLog> {
  const target = new URL(log.url);
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/versions/')) {
      refused.push(path);
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`no such resource: ${path.split('?')[0]}\n`);
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      res.destroy(e);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    vkey: log.vkey,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A 127.0.0.1 reverse proxy in front of a real log that changes only its version list (GET
 * /versions/) and forwards every other request, body and status unchanged, so checkpoints, proofs
 * and ingestion are the real log's. `how` picks what the list becomes:
 * - `older`: 404 "no such resource", as a log released before the route answers;
 * - `omit`: the real answer without the versions `omit` names (a log leaving versions out);
 * - `fail`: the socket reset on every list request (a log failing mid-answer).
 */
import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestLog } from './sumgate.js';

export type VersionListChange =
  | { how: 'older' }
  | { how: 'omit'; omit: (version: string) => boolean }
  | { how: 'fail' };

export interface VersionListProxy {
  /** Base URL, ends with `/`; the real log's key verifies it. */
  readonly url: string;
  readonly vkey: string;
  /** Paths of the /versions/ requests it changed. */
  readonly changed: string[];
  close(): Promise<void>;
}

export async function startVersionListProxy(
  log: TestLog,
  change: VersionListChange,
): Promise<VersionListProxy> {
  const target = new URL(log.url);
  const changed: string[] = [];
  const forward = (req: IncomingMessage, res: ServerResponse, rewrite?: (body: Buffer) => Buffer) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url ?? '/',
        headers: req.headers,
      },
      (answer) => {
        if (rewrite === undefined || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = rewrite(Buffer.concat(chunks));
          const { 'content-length': _length, 'transfer-encoding': _chunked, ...headers } = answer.headers;
          res.writeHead(200, { ...headers, 'content-length': body.length });
          res.end(body);
        });
      },
    );
    upstream.on('error', (e) => res.destroy(e));
    req.pipe(upstream);
  };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith('/versions/')) return forward(req, res);
    changed.push(path);
    if (change.how === 'older') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`no such resource: ${path.split('?')[0]}\n`);
    } else if (change.how === 'fail') {
      req.socket.destroy();
    } else {
      forward(req, res, (body) => {
        const list = JSON.parse(body.toString('utf8')) as { versions: { version: string }[] };
        list.versions = list.versions.filter((v) => !change.omit(v.version));
        return Buffer.from(JSON.stringify(list));
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    vkey: log.vkey,
    changed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

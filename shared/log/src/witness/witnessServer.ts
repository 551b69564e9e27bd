/** `sumgate witness serve`: the c2sp.org/tlog-witness HTTP API of a witness directory. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../http/listen.js';
import { MAX_ADD_CHECKPOINT_BODY } from './addCheckpointRequest.js';
import { Witness } from './witness.js';

export interface ServeWitnessOptions {
  dir: string;
  host?: string;
  port?: number;
  onError?: (e: unknown) => void;
}

export interface WitnessServer {
  url: string;
  vkey: string;
  witness: Witness;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export async function serveWitness(opts: ServeWitnessOptions): Promise<WitnessServer> {
  const witness = Witness.open(opts.dir);
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/add-checkpoint') return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST only\n');
    readBody(req, MAX_ADD_CHECKPOINT_BODY)
      .then(async (body) => {
        if (body === undefined) return send(res, 413, 'text/plain; charset=utf-8', 'body too large\n');
        const r = await witness.addCheckpoint(body);
        send(res, r.status, r.contentType, r.body);
      })
      .catch((e: unknown) => {
        opts.onError?.(e);
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.destroy();
      });
  });
  const authority = await listen(server, opts.port, opts.host);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${authority}`,
    vkey: witness.vkey,
    witness,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

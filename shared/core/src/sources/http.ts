import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { redactSecrets } from '../errors.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The URL that answered, after redirects. */
  readonly url: string;
}

export interface HttpRequest {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  readonly timeoutMs?: number;
  /** Refuse bodies larger than this (default 512 MiB). */
  readonly maxBytes?: number;
}

/** All network I/O of the core goes through this, so tests and hosts can substitute it. */
export type HttpClient = (url: string, req?: HttpRequest) => Promise<HttpResponse>;

export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(redactSecrets(message), options);
    this.name = 'NetworkError';
  }
}

interface Agents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/**
 * A small node:http(s) client with keep-alive: redirects are followed (at most 5) and credentials
 * are dropped when a redirect leaves the origin they were meant for. `ca` adds trusted roots (an
 * npm `cafile` behind a corporate proxy) to Node's own.
 */
export function createHttpClient(trust: { ca?: readonly string[] | undefined; rejectUnauthorized?: boolean } = {}): HttpClient {
  const agents: Agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 50 }),
    https: new https.Agent({
      keepAlive: true,
      maxSockets: 50,
      ...(trust.ca === undefined ? {} : { ca: [...tls.rootCertificates, ...trust.ca] }),
      rejectUnauthorized: trust.rejectUnauthorized ?? true,
    }),
  };
  return (url, req) => request(agents, url, req);
}

export const nodeHttpClient: HttpClient = createHttpClient();

async function request(agents: Agents, url: string, req: HttpRequest = {}): Promise<HttpResponse> {
  let current = url;
  let headers = { ...req.headers };
  for (let hop = 0; hop <= 5; hop++) {
    const res = await requestOnce(agents, current, req, headers);
    if (res.status >= 300 && res.status < 400 && res.headers.location !== undefined && (req.method ?? 'GET') === 'GET') {
      const next = new URL(res.headers.location, current);
      if (next.origin !== new URL(current).origin) {
        const { authorization: _dropped, ...rest } = headers;
        headers = rest;
      }
      current = next.toString();
      continue;
    }
    return res;
  }
  throw new NetworkError(`too many redirects from ${url}`);
}

function requestOnce(agents: Agents, url: string, req: HttpRequest, headers: Record<string, string>): Promise<HttpResponse> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const agent = u.protocol === 'https:' ? agents.https : agents.http;
  const maxBytes = req.maxBytes ?? 512 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const r = lib.request(u, { method: req.method ?? 'GET', headers, agent, timeout: req.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          res.destroy();
          reject(new NetworkError(`${url}: response larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size), url }));
      res.on('error', (e) => reject(new NetworkError(`${url}: ${e.message}`, { cause: e })));
    });
    r.on('timeout', () => r.destroy(new Error(`no answer in ${req.timeoutMs ?? 30_000} ms`)));
    r.on('error', (e) => reject(new NetworkError(`${url}: ${e.message}`, { cause: e })));
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

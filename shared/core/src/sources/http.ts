import dns from 'node:dns';
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
  /** Idle timeout: the longest silence allowed on the socket (default 30 s). */
  readonly timeoutMs?: number;
  /**
   * Total deadline for the whole exchange, redirects and body included (default 4 x the idle
   * timeout): a server that trickles one byte per second fails in bounded time.
   */
  readonly deadlineMs?: number;
  /** Refuse bodies larger than this (default 512 MiB). */
  readonly maxBytes?: number;
  /**
   * Cancels the exchange (its socket is destroyed, so a server is not held open by a caller that
   * gave up): the promise rejects with a NetworkError whose `aborted` is true.
   */
  readonly signal?: AbortSignal;
}

/** All network I/O of the core goes through this, so tests and hosts can substitute it. */
export type HttpClient = (url: string, req?: HttpRequest) => Promise<HttpResponse>;

export class NetworkError extends Error {
  /** 'deadline' when the total deadline ran out, 'idle' when the socket was silent too long. */
  readonly timeout: 'deadline' | 'idle' | undefined;
  /** The connection was a kept-alive one the server had already closed: nothing was answered, a fresh one may be tried. */
  readonly staleSocket: boolean;
  /** The caller's AbortSignal cancelled the request. */
  readonly aborted: boolean;
  /** The body (declared or received) was larger than `maxBytes`. */
  readonly tooLarge: boolean;

  constructor(
    message: string,
    options?: {
      cause?: unknown;
      timeout?: 'deadline' | 'idle';
      staleSocket?: boolean;
      aborted?: boolean;
      tooLarge?: boolean;
    },
  ) {
    super(redactSecrets(message), options);
    this.name = 'NetworkError';
    this.timeout = options?.timeout;
    this.staleSocket = options?.staleSocket ?? false;
    this.aborted = options?.aborted ?? false;
    this.tooLarge = options?.tooLarge ?? false;
  }
}

type LookupAll = (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void;
type LookupOne = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

const DNS_TTL_MS = 60_000;
const dnsCache = new Map<string, { readonly at: number; readonly addresses: Promise<dns.LookupAddress[]> }>();

/**
 * dns.lookup with one in-flight query per host and a short cache, as Yarn's HTTP client has: an
 * install opens dozens of connections to one registry at once, and a burst of identical queries
 * loses some to the resolver's 5-second retry.
 */
function cachedLookup(hostname: string, options: dns.LookupOptions, callback: LookupAll | LookupOne): void {
  let entry = dnsCache.get(hostname);
  if (entry === undefined || Date.now() - entry.at > DNS_TTL_MS) {
    const addresses = dns.promises.lookup(hostname, { all: true });
    entry = { at: Date.now(), addresses };
    dnsCache.set(hostname, entry);
    addresses.catch(() => dnsCache.delete(hostname));
  }
  entry.addresses.then(
    (all) => {
      const family = typeof options.family === 'number' && options.family !== 0 ? options.family : undefined;
      const usable = family === undefined ? all : all.filter((a) => a.family === family);
      if (usable.length === 0) {
        const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: 'ENOTFOUND',
          hostname,
        }) as NodeJS.ErrnoException;
        if (options.all === true) (callback as LookupAll)(e, []);
        else (callback as LookupOne)(e, '', 0);
        return;
      }
      if (options.all === true) (callback as LookupAll)(null, usable);
      else (callback as LookupOne)(null, usable[0]!.address, usable[0]!.family);
    },
    (e: NodeJS.ErrnoException) =>
      options.all === true ? (callback as LookupAll)(e, []) : (callback as LookupOne)(e, '', 0),
  );
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
export function createHttpClient(
  trust: { ca?: readonly string[] | undefined; rejectUnauthorized?: boolean } = {},
): HttpClient {
  const agents: Agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 50, lookup: cachedLookup as never }),
    https: new https.Agent({
      keepAlive: true,
      maxSockets: 50,
      lookup: cachedLookup as never,
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
  const deadlineMs = req.deadlineMs ?? 4 * (req.timeoutMs ?? 30_000);
  const deadline = Date.now() + deadlineMs;
  for (let hop = 0; hop <= 5; hop++) {
    const res = await requestOnce(agents, current, req, headers, { at: deadline, ms: deadlineMs }).catch(
      (e: unknown) => {
        // A kept-alive socket the server closed while it sat idle (its keep-alive timeout, e.g. while
        // the log ingests) fails before any answer: once, on a new connection. Anything else is final.
        if (e instanceof NetworkError && e.staleSocket && req.signal?.aborted !== true)
          return requestOnce(agents, current, req, headers, { at: deadline, ms: deadlineMs });
        throw e;
      },
    );
    if (
      res.status >= 300 &&
      res.status < 400 &&
      res.headers.location !== undefined &&
      (req.method ?? 'GET') === 'GET'
    ) {
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

function abortedError(url: string, signal: AbortSignal): NetworkError {
  const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new NetworkError(`${url}: the request was cancelled (${why})`, {
    aborted: true,
    cause: signal.reason,
  });
}

function requestOnce(
  agents: Agents,
  url: string,
  req: HttpRequest,
  headers: Record<string, string>,
  deadline: { at: number; ms: number },
): Promise<HttpResponse> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const agent = u.protocol === 'https:' ? agents.https : agents.http;
  const maxBytes = req.maxBytes ?? 512 * 1024 * 1024;
  const idleMs = req.timeoutMs ?? 30_000;
  const signal = req.signal;
  if (signal?.aborted === true) return Promise.reject(abortedError(url, signal));
  return new Promise<HttpResponse>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (e: NetworkError): void => {
      r.destroy();
      reject(e);
    };
    const onAbort = (): void => fail(abortedError(url, signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    const tooLarge = (): NetworkError =>
      new NetworkError(`${url}: response larger than ${maxBytes} bytes`, { tooLarge: true });
    const r = lib.request(u, { method: req.method ?? 'GET', headers, agent, timeout: idleMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      if (Number(res.headers['content-length'] ?? '0') > maxBytes) {
        fail(tooLarge());
        return;
      }
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          res.destroy();
          reject(tooLarge());
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => clearTimeout(timer));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks, size),
          url,
        }),
      );
      res.on('error', (e) => reject(new NetworkError(`${url}: ${e.message}`, { cause: e })));
    });
    r.on('timeout', () =>
      fail(
        new NetworkError(`${url}: the server was silent for ${idleMs} ms (idle timeout)`, {
          timeout: 'idle',
        }),
      ),
    );
    let answered = false;
    r.on('response', () => {
      answered = true;
    });
    r.on('error', (e: NodeJS.ErrnoException) => {
      const stale =
        r.reusedSocket &&
        !answered &&
        (e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.message === 'socket hang up');
      reject(new NetworkError(`${url}: ${e.message}`, { cause: e, staleSocket: stale }));
    });
    r.on('close', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
    timer = setTimeout(
      () =>
        fail(
          new NetworkError(`${url}: no complete answer within ${deadline.ms} ms (total deadline)`, {
            timeout: 'deadline',
          }),
        ),
      Math.max(0, deadline.at - Date.now()),
    );
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/**
 * A world for unit tests of the Gate and the LogClient over injected I/O: a real sumgate log
 * server and a small npm registry on 127.0.0.1, an in-memory cache file system, and an HTTP client
 * that routes or breaks requests on demand (503s, resets, 404s, rewritten answers).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FileOps } from '../../src/client/clientOps.js';
import { Gate } from '../../src/gate.js';
import { NetworkError, nodeHttpClient } from '../../src/sources/http.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/sources/http.js';
import { EMPTY_TREE_HASH, formatCheckpoint, parseSignerKey, signNote } from '../../src/tlog/index.js';
import { initLog, serveLog } from '../../../log/src/index.js';
import type { LogServer } from '../../../log/src/index.js';
import { pkg } from '../inspect/tarWriter.js';

export function sri(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** An in-memory cache file system (what Go's sumdb tests do with a map behind ClientOps). */
export class MemoryFiles implements FileOps {
  readonly files = new Map<string, Buffer>();
  private locks = new Map<string, Promise<unknown>>();
  read(file: string): Buffer | undefined {
    return this.files.get(file);
  }
  write(file: string, data: string | Uint8Array): void {
    this.files.set(file, Buffer.from(data));
  }
  create(file: string, data: string | Uint8Array): boolean {
    if (this.files.has(file)) return false;
    this.files.set(file, Buffer.from(data));
    return true;
  }
  async lock<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
    const prev = this.locks.get(file) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(
      file,
      next.catch(() => undefined),
    );
    return next;
  }
  list(dir: string): string[] {
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    const names = new Set<string>();
    for (const f of this.files.keys())
      if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0]!);
    return [...names];
  }
  remove(file: string): void {
    this.files.delete(file);
  }
  matching(re: RegExp): string[] {
    return [...this.files.keys()].filter((f) => re.test(f));
  }
}

export interface RegistryVersion {
  readonly scripts?: Record<string, string>;
  readonly publishedAt?: string;
}

/** A registry: full packuments (scripts, time) and tarballs of generated packages; `delayMs` slows packuments. */
export class Registry {
  readonly tarballs = new Map<string, Uint8Array>();
  readonly versions = new Map<string, Map<string, RegistryVersion>>();
  delayMs = 0;
  url = '';
  private server: Server | undefined;

  add(name: string, version: string, v: RegistryVersion = {}): Uint8Array {
    const tgz = pkg({
      'package.json': JSON.stringify({ name, version, scripts: v.scripts ?? {} }),
      'index.js': `module.exports = '${name}@${version}';\n`,
      'install.js': '// install\n',
    });
    this.tarballs.set(`${name}@${version}`, tgz);
    if (!this.versions.has(name)) this.versions.set(name, new Map());
    this.versions.get(name)!.set(version, v);
    return tgz;
  }

  integrityOf(name: string, version: string): string {
    return sri(this.tarballs.get(`${name}@${version}`)!);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const p = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      const tgz = /^\/(.+)\/-\/[^/]+-([^/]+)\.tgz$/.exec(p);
      if (tgz !== null) {
        const bytes = this.tarballs.get(`${tgz[1]}@${tgz[2]}`);
        if (bytes === undefined) return void res.writeHead(404).end();
        return void res.writeHead(200).end(bytes);
      }
      const name = p.slice(1);
      const versions = this.versions.get(name);
      setTimeout(() => {
        if (versions === undefined)
          return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
        const doc = {
          name,
          versions: Object.fromEntries(
            [...versions].map(([version, v]) => [
              version,
              {
                name,
                version,
                scripts: v.scripts ?? {},
                dist: {
                  integrity: this.integrityOf(name, version),
                  tarball: `${this.url}${name}/-/${name.split('/').pop()}-${version}.tgz`,
                },
              },
            ]),
          ),
          time: Object.fromEntries(
            [...versions].map(([version, v]) => [version, v.publishedAt ?? '2020-01-01T00:00:00.000Z']),
          ),
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      }, this.delayMs);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server === undefined ? r() : this.server.close(() => r())));
  }
}

/** A fault: answer instead of the server (a response or a thrown error), or undefined to pass through. */
export type Fault = (
  url: URL,
  req: HttpRequest | undefined,
) => HttpResponse | Error | undefined | Promise<HttpResponse | Error | undefined>;

export const status = (code: number, body = ''): HttpResponse => ({
  status: code,
  headers: {},
  body: Buffer.from(body),
  url: '',
});

/** The injected network: every request is recorded, may be re-routed to another host, and may be answered by a fault. */
export class Network {
  readonly requests: string[] = [];
  faults: Fault[] = [];
  /** host:port -> host:port (a log "restarted" elsewhere under the same URL). */
  readonly routes = new Map<string, string>();

  readonly http: HttpClient = async (url, req) => {
    let u = new URL(url);
    const to = this.routes.get(u.host);
    if (to !== undefined) u = new URL(url.replace(u.host, to));
    this.requests.push(`${req?.method ?? 'GET'} ${u.pathname}`);
    for (const f of this.faults) {
      const r = await f(u, req);
      if (r instanceof Error) throw r;
      if (r !== undefined) return r;
    }
    return nodeHttpClient(u.toString(), req);
  };

  reset(): void {
    this.faults = [];
    this.routes.clear();
    this.requests.length = 0;
  }
}

export const reset = (): Error => new NetworkError('socket hang up (ECONNRESET)');

export interface TestLog {
  readonly server: LogServer;
  readonly dir: string;
  readonly url: string;
  readonly vkey: string;
  readonly skey: string;
  /** Asks the log to ingest name@version (GET /lookup). */
  ingest(name: string, version: string): Promise<void>;
  /** The log's current signed checkpoint note. */
  checkpoint(): Promise<string>;
  close(): Promise<void>;
}

const tmpRoots: string[] = [];
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpRoots.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of tmpRoots.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A log ingesting from `upstream`; `keyFrom` starts another, empty history under that log's key (a fork). */
export async function startLog(
  upstream: string,
  opts: { origin?: string; keyFrom?: TestLog } = {},
): Promise<TestLog> {
  const dir = path.join(tempDir('sumgate-gate-log-'), 'log');
  if (opts.keyFrom === undefined) {
    await initLog({ dir, origin: opts.origin ?? 'gate.test/log' });
  } else {
    mkdirSync(dir, { recursive: true });
    for (const f of ['log.json', 'log.skey', 'log.vkey'])
      copyFileSync(path.join(opts.keyFrom.dir, f), path.join(dir, f));
    const { origin } = JSON.parse(readFileSync(path.join(dir, 'log.json'), 'utf8')) as { origin: string };
    writeFileSync(
      path.join(dir, 'checkpoint'),
      signNote(formatCheckpoint({ origin, size: 0, root: EMPTY_TREE_HASH, extensions: [] }), [
        parseSignerKey(opts.keyFrom.skey),
      ]),
    );
  }
  const server = await serveLog({ dir, upstreams: [upstream], batchMaxDelayMs: 1 });
  const url = server.url.endsWith('/') ? server.url : `${server.url}/`;
  return {
    server,
    dir,
    url,
    vkey: server.vkey,
    skey: readFileSync(path.join(dir, 'log.skey'), 'utf8').trim(),
    async ingest(name, version) {
      const res = await fetch(`${url}lookup/${name}@${version}`);
      if (res.status !== 200)
        throw new Error(
          `the log could not ingest ${name}@${version}: HTTP ${res.status} ${await res.text()}`,
        );
    },
    async checkpoint() {
      return (await fetch(`${url}checkpoint`)).text();
    },
    close: () => server.close(),
  };
}

/** A project directory with a sumgate.jsonc; returns a function opening a Gate on it over the injected I/O. */
export function project(policy: Record<string, unknown>): {
  dir: string;
  open: (files: MemoryFiles, net: Network, say?: string[]) => Gate;
} {
  const dir = tempDir('sumgate-gate-project-');
  writeFileSync(path.join(dir, 'sumgate.jsonc'), JSON.stringify(policy));
  return {
    dir,
    open: (files, net, say) =>
      Gate.open({
        cwd: dir,
        host: 'cli',
        http: net.http,
        ops: { files },
        env: { SUMGATE_CACHE_DIR: '/memory/sumgate-cache', HOME: dir },
        log: (line) => say?.push(line),
      }),
  };
}

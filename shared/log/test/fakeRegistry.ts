/** An npm registry on 127.0.0.1 for tests: packuments and tarballs of generated packages. */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pkg } from '../../core/test/inspect/tarWriter.js';

export interface FakeVersion {
  tgz: Uint8Array;
  /** What the packument claims; defaults to the real sha512 of tgz. */
  integrity?: string;
  signatures?: Array<{ keyid: string; sig: string }>;
}

export function sha512Integrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

export function makeTarball(
  name: string,
  version: string,
  scripts: Record<string, string> = {},
  extra = '',
): Uint8Array {
  return pkg({
    'package.json': JSON.stringify({ name, version, scripts }),
    'index.js': `module.exports = ${JSON.stringify(extra)};\n`,
  });
}

export class FakeRegistry {
  readonly packages = new Map<string, Map<string, FakeVersion>>();
  /** Requests per path. */
  readonly hits = new Map<string, number>();
  /** Delay before answering packument requests (to make lookups overlap). */
  delayMs = 0;
  private server: Server | undefined;
  url = '';

  add(name: string, version: string, v: FakeVersion): void {
    let versions = this.packages.get(name);
    if (versions === undefined) {
      versions = new Map();
      this.packages.set(name, versions);
    }
    versions.set(version, v);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const tarball = /^\/-\/tarball\/(.+)\/([^/]+)\.tgz$/.exec(path);
      if (tarball !== null) {
        const v = this.packages.get(decodeURIComponent(tarball[1]!))?.get(tarball[2]!);
        if (v === undefined) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return void res.end(v.tgz);
      }
      const name = decodeURIComponent(path.slice(1));
      const versions = this.packages.get(name);
      setTimeout(() => {
        if (versions === undefined)
          return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
        const body = {
          name,
          versions: Object.fromEntries(
            [...versions].map(([version, v]) => [
              version,
              {
                name,
                version,
                dist: {
                  integrity: v.integrity ?? sha512Integrity(v.tgz),
                  tarball: `${this.url}/-/tarball/${encodeURIComponent(name)}/${version}.tgz`,
                  ...(v.signatures === undefined ? {} : { signatures: v.signatures }),
                },
              },
            ]),
          ),
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }, this.delayMs);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

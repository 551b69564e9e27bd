/**
 * An npm registry on 127.0.0.1 that serves tarballs byte for byte as given (the fixture registry
 * packs its own): what a registry does with a crafted archive an attacker published. The packument
 * (full and abbreviated) is built from the manifest the attacker sent with the upload, whatever the
 * tarball holds, with the real sha512 of the served bytes, so integrity checks pass.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawVersion {
  readonly name: string;
  readonly version: string;
  /** The manifest shown in the registry's metadata. */
  readonly manifest: Record<string, unknown>;
  readonly tgz: Uint8Array;
}

export interface RawTarballRegistry {
  readonly url: string;
  /** Paths of every tarball request, in order. */
  readonly tarballRequests: string[];
  close(): Promise<void>;
}

const CORGI = 'application/vnd.npm.install-v1+json';
const PUBLISHED = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString();

export async function startRawTarballRegistry(versions: readonly RawVersion[]): Promise<RawTarballRegistry> {
  const byName = new Map<string, RawVersion[]>();
  for (const v of versions) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
  const tarballRequests: string[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const tarball = /^\/([^/]+)\/-\/[^/]+-([^/]+)\.tgz$/.exec(path);
    if (tarball !== null) {
      tarballRequests.push(path);
      const v = byName.get(tarball[1] ?? '')?.find((x) => x.version === tarball[2]);
      if (v === undefined) return send(res, 404, 'application/json', '{"error":"Not found"}');
      return send(res, 200, 'application/octet-stream', Buffer.from(v.tgz));
    }
    const list = byName.get(path.slice(1));
    if (list === undefined) return send(res, 404, 'application/json', '{"error":"Not found"}');
    const abbreviated = (req.headers.accept ?? '').includes(CORGI);
    const docs: Record<string, unknown> = {};
    const time: Record<string, string> = { created: PUBLISHED, modified: PUBLISHED };
    for (const v of list) {
      docs[v.version] = {
        ...v.manifest,
        name: v.name,
        version: v.version,
        _id: `${v.name}@${v.version}`,
        dist: {
          integrity: `sha512-${createHash('sha512').update(v.tgz).digest('base64')}`,
          shasum: createHash('sha1').update(v.tgz).digest('hex'),
          tarball: `${url}${v.name}/-/${v.name}-${v.version}.tgz`,
        },
      };
      time[v.version] = PUBLISHED;
    }
    const latest = list[list.length - 1]!.version;
    const doc = abbreviated
      ? { name: path.slice(1), modified: PUBLISHED, 'dist-tags': { latest }, versions: docs }
      : { _id: path.slice(1), name: path.slice(1), 'dist-tags': { latest }, versions: docs, time };
    return send(res, 200, abbreviated ? CORGI : 'application/json', JSON.stringify(doc));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    tarballRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(
  res: import('node:http').ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

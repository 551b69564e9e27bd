/**
 * A log that recorded the hostile versions before the canonical reader existed: the lenient reader
 * saw only the benign manifest, so each record says install code "none", with the true sha512 of
 * the bytes. This is what every client trusted; with it, the client's own inspector is the check.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { initLog, serveLog } from '@sumgate/log';
import { makeTempDir } from '../harness/packageManagers.js';
import type { TestLog } from '../harness/sumgate.js';

export async function startStaleLog(
  versions: ReadonlyArray<{ name: string; version: string; tgz: Uint8Array }>,
): Promise<TestLog> {
  const dir = path.join(makeTempDir('sumgate-stale-log'), 'log');
  await initLog({ dir, origin: 'sumgate.test/stale' });
  const server = await serveLog({ dir, port: 0, upstreams: [] });
  for (const v of versions) {
    const integrity = `sha512-${createHash('sha512').update(v.tgz).digest('base64')}`;
    await server.log.append(
      {
        name: v.name,
        version: v.version,
        integrity,
        installCode: { fingerprint: 'none', hooks: [] },
        signatures: [],
      },
      'lenient reader',
    );
  }
  const url = server.url.endsWith('/') ? server.url : `${server.url}/`;
  return { url, vkey: server.vkey, dir, port: Number(new URL(url).port), close: () => server.close() };
}

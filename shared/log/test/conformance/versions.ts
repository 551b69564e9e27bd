/**
 * GET /versions/ on any backend (shared/core/docs/version-list.md): the versions the log holds
 * records for, unioned with those its upstream lists (marked not logged), below one version on its
 * track, highest first, bounded by `limit`; a neighbouring name's versions never leak in; a bad
 * request is 400; an upstream that cannot be read fails the list (never a partial one).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { formatRecord, type VersionList } from '@sumgate/core';
import { FakeRegistry, makeTarball } from '../fakeRegistry.js';
import { fakeIntegrity } from '../records.js';
import type { TestLogHandle } from './backends.js';

const NAME = '@Scope/versions-test';
const ESCAPED = '@!scope/versions-test';

function record(name: string, version: string): string {
  return formatRecord({
    name,
    version,
    integrity: fakeIntegrity(`${name}@${version}`),
    installCode: { fingerprint: 'none', hooks: [] },
    signatures: [],
  });
}

async function add(url: string, records: string[]): Promise<void> {
  const res = await fetch(`${url}/add`, { method: 'POST', body: JSON.stringify({ records }) });
  if (res.status !== 200) throw new Error(`POST /add: ${res.status} ${await res.text()}`);
}

async function list(url: string, query: string): Promise<VersionList> {
  const res = await fetch(`${url}/versions/${ESCAPED}?${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as VersionList;
}

export async function versionsScenario(log: TestLogHandle): Promise<void> {
  const upstream = await new FakeRegistry().start();
  for (const v of ['1.0.0', '1.2.0', '2.0.0', '3.0.0']) upstream.add(NAME, v, { tgz: makeTarball(NAME, v) });
  const broken = createServer((_req, res) => res.writeHead(500).end('down'));
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  const brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
  const served = await log.serve({ upstreams: [upstream.url] });
  try {
    await add(served.url, [
      ...['1.0.0', '1.1.0', '2.0.0-beta.1', '2.0.0'].map((v) => record(NAME, v)),
      // Neighbours by prefix: never listed as versions of NAME.
      record('@Scope/versions-test-other', '1.5.0'),
      record('@Scope/versions-tes', '1.6.0'),
    ]);
    expect(await list(served.url, 'below=2.0.0')).toEqual({
      name: NAME,
      below: '2.0.0',
      versions: [
        { version: '1.2.0', logged: false },
        { version: '1.1.0', logged: true },
        { version: '1.0.0', logged: true },
      ],
      truncated: false,
      upstream: 'listed',
    });
    const cut = await list(served.url, 'below=2.0.0&limit=2');
    expect(cut.versions.map((v) => v.version)).toEqual(['1.2.0', '1.1.0']);
    expect(cut.truncated).toBe(true);
    // A prerelease's track has every lower version, prereleases included.
    expect((await list(served.url, 'below=2.0.0-beta.2')).versions.map((v) => v.version)).toEqual([
      '2.0.0-beta.1',
      '1.2.0',
      '1.1.0',
      '1.0.0',
    ]);
    const unknown = await fetch(`${served.url}/versions/nobody-has-this?below=1.0.0`);
    expect(await unknown.json()).toEqual({
      name: 'nobody-has-this',
      below: '1.0.0',
      versions: [],
      truncated: false,
      upstream: 'listed',
    });
    for (const bad of [
      `versions/${ESCAPED}`,
      `versions/${ESCAPED}?below=one`,
      `versions/${ESCAPED}?below=2.0.0&limit=0`,
      `versions/${ESCAPED}?below=2.0.0&limit=257`,
      'versions/@Scope/versions-test?below=2.0.0',
    ])
      expect((await fetch(`${served.url}/${bad}`)).status, bad).toBe(400);
    expect((await fetch(`${served.url}/versions/${ESCAPED}?below=2.0.0`, { method: 'POST' })).status).toBe(
      405,
    );
  } finally {
    await served.close();
  }
  // Without an upstream the log lists what it holds; with one it cannot read, it lists nothing.
  const alone = await log.serve();
  try {
    expect(await list(alone.url, 'below=2.0.0')).toMatchObject({
      versions: [
        { version: '1.1.0', logged: true },
        { version: '1.0.0', logged: true },
      ],
      upstream: 'none',
    });
  } finally {
    await alone.close();
  }
  const failing = await log.serve({ upstreams: [upstream.url, brokenUrl] });
  try {
    const res = await fetch(`${failing.url}/versions/${ESCAPED}?below=2.0.0`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/^SOURCE_FAILED: .*HTTP 500/);
  } finally {
    await failing.close();
    await upstream.close();
    await new Promise<void>((resolve) => broken.close(() => resolve()));
  }
}

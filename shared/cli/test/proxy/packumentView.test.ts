import { describe, expect, it } from 'vitest';
import type { Packument } from '@sumgate/core';
import { packumentView } from '../../src/proxy/packumentView.js';

const upstream = (): Packument => ({
  name: '@s/pkg',
  'dist-tags': { latest: '1.1.0', next: '2.0.0-rc.1', old: '1.0.0' },
  time: {
    created: '2026-01-01T00:00:00Z',
    '1.0.0': '2026-01-01T00:00:00Z',
    '1.1.0': '2026-02-01T00:00:00Z',
    '2.0.0-rc.1': '2026-03-01T00:00:00Z',
  },
  versions: {
    '1.0.0': {
      name: '@s/pkg',
      version: '1.0.0',
      dist: {
        integrity: 'sha512-A',
        shasum: 'a1',
        tarball: 'https://up.example/npm/@s/pkg/-/pkg-1.0.0.tgz',
        signatures: [{ keyid: 'k', sig: 's' }],
      },
    },
    '1.1.0': {
      name: '@s/pkg',
      version: '1.1.0',
      dist: { integrity: 'sha512-B', shasum: 'b1', tarball: 'https://up.example/npm/@s/pkg/-/pkg-1.1.0.tgz' },
    },
    '2.0.0-rc.1': {
      name: '@s/pkg',
      version: '2.0.0-rc.1',
      dist: {
        integrity: 'sha512-C',
        shasum: 'c1',
        tarball: 'https://up.example/npm/@s/pkg/-/pkg-2.0.0-rc.1.tgz',
      },
    },
  },
});

const proxyUrl = 'http://127.0.0.1:4880/';

describe('packumentView', () => {
  it("points every tarball at the proxy and keeps the source's integrity, sha1 and signatures when the log agrees or does not know", () => {
    const view = packumentView(upstream(), '@s/pkg', {
      proxyUrl,
      logged: new Map([['1.0.0', 'sha512-A']]),
      omit: new Set(),
    });
    expect(view.versions['1.0.0']!.dist).toEqual({
      integrity: 'sha512-A',
      shasum: 'a1',
      tarball: `${proxyUrl}@s/pkg/-/pkg-1.0.0.tgz`,
      signatures: [{ keyid: 'k', sig: 's' }],
    });
    expect(view.versions['1.1.0']!.dist?.tarball).toBe(`${proxyUrl}@s/pkg/-/pkg-1.1.0.tgz`);
    expect(view['dist-tags']).toEqual({ latest: '1.1.0', next: '2.0.0-rc.1', old: '1.0.0' });
  });

  it("carries the log's integrity where it differs, dropping the sha1 and signatures that describe other bytes", () => {
    const view = packumentView(upstream(), '@s/pkg', {
      proxyUrl,
      logged: new Map([['1.0.0', 'sha512-LOG']]),
      omit: new Set(),
    });
    expect(view.versions['1.0.0']!.dist).toEqual({
      integrity: 'sha512-LOG',
      tarball: `${proxyUrl}@s/pkg/-/pkg-1.0.0.tgz`,
    });
  });

  it('leaves omitted versions out (and their times), moving dist-tags to the highest remaining lower version on the track', () => {
    const view = packumentView(upstream(), '@s/pkg', {
      proxyUrl,
      logged: new Map(),
      omit: new Set(['1.1.0', '2.0.0-rc.1']),
    });
    expect(Object.keys(view.versions)).toEqual(['1.0.0']);
    expect(view['dist-tags']).toEqual({ latest: '1.0.0', next: '1.0.0', old: '1.0.0' });
    expect(Object.keys(view.time ?? {})).toEqual(['created', '1.0.0']);
  });

  it('drops a dist-tag with no lower version left', () => {
    const view = packumentView(upstream(), '@s/pkg', {
      proxyUrl,
      logged: new Map(),
      omit: new Set(['1.0.0']),
    });
    expect(view['dist-tags']).toEqual({ latest: '1.1.0', next: '2.0.0-rc.1' });
  });

  it("does not change the source's document", () => {
    const doc = upstream();
    packumentView(doc, '@s/pkg', {
      proxyUrl,
      logged: new Map([['1.0.0', 'sha512-LOG']]),
      omit: new Set(['1.1.0']),
    });
    expect(doc).toEqual(upstream());
  });
});

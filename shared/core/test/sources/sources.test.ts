import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpClient } from '../../src/sources/http.js';
import { RejectedBySource, Sources } from '../../src/sources/sources.js';

const hits = new Map<string, number>();
let base = '';
let server: http.Server;

beforeAll(async () => {
  // /flaky/ answers 503 twice, then the bytes; /missing/ is 404; /bad/ serves other bytes.
  server = http.createServer((req, res) => {
    const path = req.url ?? '';
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    if (path.startsWith('/flaky/') && n <= 2) return void res.writeHead(503).end();
    if (path.startsWith('/missing/')) return void res.writeHead(404).end();
    if (path.startsWith('/trickle/')) {
      // headers at once, then one byte every 100 ms, forever: only a total deadline ends it
      res.writeHead(200);
      const t = setInterval(() => res.write('h'), 100);
      res.on('close', () => clearInterval(t));
      return;
    }
    res.writeHead(200).end(path.startsWith('/bad/') ? 'tampered' : 'honest');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const accept = (bytes: Buffer) => {
  if (bytes.toString() !== 'honest') throw new RejectedBySource('served other bytes');
  return bytes.toString();
};

describe('Sources failover and retries', () => {
  it('retries a flaky source (5xx) and moves past a 404 and bad bytes without retrying them', async () => {
    const sources = new Sources(
      {
        strategy: 'ordered',
        sources: [
          { name: 'missing', url: `${base}/missing/`, scopes: undefined },
          { name: 'bad', url: `${base}/bad/`, scopes: undefined },
          { name: 'flaky', url: `${base}/flaky/`, scopes: undefined },
        ],
      },
      nodeHttpClient,
    );
    const got = await sources.fetchTarball({ name: 'p', version: '1.0.0' }, accept);
    expect(got.value).toBe('honest');
    expect(got.source.name).toBe('flaky');
    expect(got.failures.map((f) => `${f.source}: ${f.reason}`)).toEqual([
      'missing: HTTP 404',
      'bad: served other bytes',
    ]);
    expect(hits.get('/missing/p/-/p-1.0.0.tgz')).toBe(1);
    expect(hits.get('/bad/p/-/p-1.0.0.tgz')).toBe(1);
    expect(hits.get('/flaky/p/-/p-1.0.0.tgz')).toBe(3);
  });

  it('retries an unreachable source, then fails over; all failing names every source and cause', async () => {
    const dead = 'http://127.0.0.1:9/'; // discard port: connection refused
    const sources = new Sources(
      {
        strategy: 'ordered',
        sources: [
          { name: 'dead', url: dead, scopes: undefined },
          { name: 'honest', url: `${base}/ok/`, scopes: undefined },
        ],
      },
      nodeHttpClient,
    );
    const got = await sources.fetchTarball({ name: 'q', version: '2.0.0' }, accept);
    expect(got.source.name).toBe('honest');
    expect(got.failures[0]?.reason).toContain('ECONNREFUSED');
    const none = new Sources(
      { strategy: 'ordered', sources: [{ name: 'dead', url: dead, scopes: undefined }] },
      nodeHttpClient,
    );
    await expect(none.fetchTarball({ name: 'q', version: '2.0.0' }, accept)).rejects.toMatchObject({
      code: 'SOURCE_FAILED',
      message: expect.stringContaining('q@2.0.0: every source failed: dead ('),
    });
  });

  it('a source that trickles its body fails over after its total deadline, and fails in bounded time when alone', async () => {
    const timing = { idleMs: 400, deadlineMs: 600 };
    const sources = new Sources(
      {
        strategy: 'ordered',
        sources: [
          { name: 'slow', url: `${base}/trickle/`, scopes: undefined },
          { name: 'honest', url: `${base}/ok/`, scopes: undefined },
        ],
      },
      nodeHttpClient,
      undefined,
      timing,
    );
    const got = await sources.fetchTarball({ name: 'r', version: '1.0.0' }, accept);
    expect(got.source.name).toBe('honest');
    expect(got.failures[0]?.reason).toContain('no complete answer within 600 ms (total deadline)');
    const alone = new Sources(
      { strategy: 'ordered', sources: [{ name: 'slow', url: `${base}/trickle/`, scopes: undefined }] },
      nodeHttpClient,
      undefined,
      timing,
    );
    const t0 = Date.now();
    await expect(alone.fetchTarball({ name: 'r', version: '1.0.0' }, accept)).rejects.toMatchObject({
      code: 'SOURCE_FAILED',
    });
    // three attempts of 0.6 s plus the 0.5 s and 2 s retry waits
    expect(Date.now() - t0).toBeLessThan(8000);
  }, 20_000);
});

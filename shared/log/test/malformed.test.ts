import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initLog, runLogCommand, serveLog, type LogServer } from '../src/index.js';
import { fakeRecord } from './records.js';
import { removeTempDirs, tempDir } from './tmp.js';

let server: LogServer;
const internal: unknown[] = [];
beforeAll(async () => {
  const dir = tempDir();
  await initLog({ dir, origin: 'malformed.test/log' });
  server = await serveLog({ dir, batchMaxDelayMs: 1, onError: (e) => internal.push(e) });
  await Promise.all(Array.from({ length: 300 }, (_, i) => server.log.append(fakeRecord(i))));
});
afterAll(async () => {
  await server.close();
  removeTempDirs();
});

const big = 'x'.repeat(1100 * 1024);
const cases: Array<[string, string, string | undefined, number, RegExp]> = [
  ['GET', '/tile/0/1', undefined, 400, /bad index/],
  ['GET', '/tile/0/001.p/0', undefined, 400, /width/],
  ['GET', '/tile/0/001.p/256', undefined, 400, /width/],
  ['GET', '/tile/0/x000/001', undefined, 400, /non-canonical/],
  ['GET', '/tile/64/000', undefined, 400, /level/],
  ['GET', '/tile/0/..%2f..%2fetc', undefined, 400, /malformed tile/],
  ['GET', '/tile/0/001', undefined, 404, /beyond the current tree \(size 300\)/], // only 1 full level-0 tile
  ['GET', '/tile/0/001.p/45', undefined, 404, /beyond/],
  ['GET', '/tile/1/000', undefined, 404, /beyond/],
  ['GET', '/tile/entries/002', undefined, 404, /beyond/],
  ['GET', '/lookup/Upper@1.0.0', undefined, 400, /malformed lookup key/],
  ['GET', '/lookup/nover', undefined, 400, /malformed lookup key/],
  ['GET', '/lookup/a@1', undefined, 400, /malformed lookup key/],
  ['GET', '/lookup/a@1.0.0', undefined, 404, /LOG_ABSENT: a@1\.0\.0 is not in the log/],
  ['GET', `/lookup/${'a'.repeat(5000)}@1.0.0`, undefined, 414, /longer than/],
  ['GET', '/evidence/%zz@1.0.0', undefined, 400, /malformed lookup key/],
  ['POST', '/proofs', '{', 400, /not JSON/],
  ['POST', '/proofs', '[]', 400, /expected \{"packages"/],
  ['POST', '/proofs', '{"packages":[1]}', 400, /array of "name@version" strings/],
  ['POST', '/proofs', '{"packages":[],"ingest":"yes"}', 400, /"ingest" must be true or false/],
  [
    'POST',
    '/proofs',
    JSON.stringify({ packages: Array.from({ length: 10_001 }, (_, i) => `p${i}@1.0.0`) }),
    413,
    /at most 10000 packages/,
  ],
  ['POST', '/proofs', big, 413, /larger than 1048576 bytes/],
  ['GET', '/proof/consistency/0/10', undefined, 400, /1 <= old size/],
  ['GET', '/proof/consistency/20/10', undefined, 400, /1 <= old size/],
  ['GET', '/proof/consistency/1/301', undefined, 404, /beyond/],
  ['GET', '/proof/consistency/x/10', undefined, 400, /expected/],
  ['POST', '/add', '{"records":[]}', 404, /no such resource/], // test-only endpoint is off
  ['DELETE', '/checkpoint', undefined, 405, /not allowed/],
  ['GET', '/nothing', undefined, 404, /no such resource/],
];

describe('malformed input is refused with a clear status and message', () => {
  it.each(cases.map(([m, p, b, s, re]) => ({ label: `${m} ${p.slice(0, 60)} -> ${s}`, m, p, b, s, re })))(
    '$label',
    async ({ m: method, p: path, b: body, s: status, re: message }) => {
      const res = await fetch(`${server.url}${path}`, { method, body });
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(text).toMatch(message);
      expect(text).not.toMatch(/\n\s+at /); // no stack traces
    },
  );

  it('saw no internal errors', () => {
    expect(internal).toEqual([]);
  });
});

describe('runLogCommand', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) },
    };
  }

  it('inits, refuses a second init, rejects unknown flags, and serves until stopped', async () => {
    const dir = tempDir();
    const a = io();
    expect(await runLogCommand(['log', 'init', '--dir', dir, '--origin', 'cli.test/log'], a.io)).toBe(0);
    expect(a.out.join('')).toMatch(/vkey: cli\.test\/log\+[0-9a-f]{8}\+/);
    const b = io();
    expect(await runLogCommand(['init', '--dir', dir, '--origin', 'cli.test/log'], b.io)).toBe(2);
    expect(b.err.join('')).toMatch(/already holds a log/);
    const c = io();
    expect(await runLogCommand(['serve', '--dir', dir, '--bogus'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/unknown flag --bogus for "log serve"/);
    const d = io();
    expect(await runLogCommand(['ingest', '--dir', dir, '--list', 'x'], d.io)).toBe(2);
    expect(d.err.join('')).toMatch(/--upstream is required/);

    const stop = new AbortController();
    const e = io();
    const running = runLogCommand(['serve', '--dir', dir, '--port', '0'], { ...e.io, signal: stop.signal });
    while (!e.out.join('').includes('vkey:')) await new Promise((r) => setTimeout(r, 10));
    const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(e.out.join(''))![1]!;
    expect((await fetch(`${url}/checkpoint`)).status).toBe(200);
    stop.abort();
    expect(await running).toBe(0);
    const f = io();
    expect(await runLogCommand(['help'], f.io)).toBe(0);
    expect(f.out.join('')).toContain('sumgate log serve');
  });
});

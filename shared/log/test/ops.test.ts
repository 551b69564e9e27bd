/**
 * Operating a log: HTTPS with a certificate generated here (openssl), /healthz, one JSON line per
 * request and per ingestion, `sumgate log status`, and moving to a new signing key.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint, openNote, parseVerifierKey } from '@sumgate/core';
import { createLogHandler, initLog, openLog, runLogCommand, serveLog } from '../src/index.js';
import { FakeRegistry, makeTarball } from './fakeRegistry.js';
import { fakeRecord } from './records.js';
import { httpsGet, selfSignedCert } from './tlsCert.js';
import { removeTempDirs, tempDir } from './tmp.js';

afterAll(removeTempDirs);

/** Runs `sumgate log serve` in-process until stopped; collects what it prints. */
function serveCommand(args: string[]): {
  url: Promise<string>;
  out: () => string;
  stop: () => Promise<number>;
} {
  const abort = new AbortController();
  let out = '';
  let found: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (found = resolve));
  const done = runLogCommand(['serve', ...args], {
    stdout: (s) => {
      out += s;
      const m = /^serving \S+ at (\S+)$/m.exec(out);
      if (m !== null) found(m[1]!);
    },
    stderr: (s) => (out += s),
    signal: abort.signal,
  });
  void done.then(() => found(`(exited) ${out}`));
  return {
    url,
    out: () => out,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}

describe('HTTPS', () => {
  let tls: ReturnType<typeof selfSignedCert>;
  beforeAll(() => {
    tls = selfSignedCert();
  });

  it('serveLog with a certificate and key serves the API over TLS only', async () => {
    const dir = tempDir();
    const { vkey } = await initLog({ dir, origin: 'tls.test/log' });
    const server = await serveLog({ dir, tls: { cert: tls.cert, key: tls.key } });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const r = await httpsGet(`${server.url}/checkpoint`, tls.cert);
      expect(r.status).toBe(200);
      expect(openCheckpoint(r.body, parseVerifierKey(vkey)).checkpoint.size).toBe(0);
      // Not trusted without the CA; plain HTTP on the TLS port gets no HTTP answer.
      await expect(httpsGet(`${server.url}/checkpoint`, '')).rejects.toThrow(
        /self[- ]signed|unable to verify|certificate/i,
      );
      await expect(fetch(`${server.url.replace('https:', 'http:')}/checkpoint`)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it('`sumgate log serve --tls-cert --tls-key` serves HTTPS; one flag alone or a missing file is a usage error', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'tls.test/cli' });
    const s = serveCommand(['--dir', dir, '--tls-cert', tls.certFile, '--tls-key', tls.keyFile]);
    const url = await s.url;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await httpsGet(`${url}/healthz`, tls.cert)).status).toBe(200);
    expect(await s.stop()).toBe(0);

    for (const args of [
      ['--tls-cert', tls.certFile],
      ['--tls-key', tls.keyFile],
      ['--tls-cert', join(dir, 'nope.pem'), '--tls-key', tls.keyFile],
    ]) {
      let err = '';
      const code = await runLogCommand(['serve', '--dir', dir, ...args], {
        stdout: () => undefined,
        stderr: (t) => (err += t),
      });
      expect(code, args.join(' ')).toBe(2);
      expect(err).toMatch(/--tls-cert and --tls-key|no such file/);
    }
  });
});

describe('/healthz', () => {
  it('answers 200 with the origin and size while serving, 503 while shutting down', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'health.test/log' });
    const server = await serveLog({ dir, allowDirectAppend: true });
    try {
      await server.log.append(fakeRecord(1));
      const r = await fetch(`${server.url}/healthz`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ ok: true, origin: 'health.test/log', size: 1 });
      expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }

    const log = await openLog(dir);
    try {
      let draining = false;
      const handler = createLogHandler(log, { isDraining: () => draining });
      const { createServer } = await import('node:http');
      const http = createServer(handler);
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/healthz`;
      expect((await fetch(url)).status).toBe(200);
      draining = true;
      const r = await fetch(url);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ ok: false, draining: true, origin: 'health.test/log', size: 1 });
      await new Promise((resolve) => http.close(resolve));
    } finally {
      await log.close();
    }
  });
});

describe('structured lines', () => {
  let registry: FakeRegistry;
  beforeAll(async () => {
    registry = await new FakeRegistry().start();
    registry.add('left-pad', '1.3.0', { tgz: makeTarball('left-pad', '1.3.0') });
  });
  afterAll(() => registry.close());

  it('`sumgate log serve` prints one JSON line per request and per ingestion', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'lines.test/log' });
    const s = serveCommand(['--dir', dir, '--upstream', registry.url]);
    const url = await s.url;
    expect((await fetch(`${url}/lookup/left-pad@1.3.0`)).status).toBe(200);
    expect((await fetch(`${url}/lookup/left-pad@9.9.9`)).status).toBe(404);
    expect((await fetch(`${url}/checkpoint`)).status).toBe(200);
    expect(await s.stop()).toBe(0);

    const lines = s
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const l of lines) expect(Date.parse(String(l.time))).not.toBeNaN();
    const requests = lines.filter((l) => l.event === 'request');
    expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/lookup/left-pad@1.3.0', 200],
      ['GET', '/lookup/left-pad@9.9.9', 404],
      ['GET', '/checkpoint', 200],
    ]);
    for (const r of requests) {
      expect(r.remote).toBe('127.0.0.1');
      expect(r.bytes as number).toBeGreaterThan(0);
      expect(typeof r.ms).toBe('number');
    }
    const ingests = lines.filter((l) => l.event === 'ingest');
    expect(ingests).toEqual([
      expect.objectContaining({ package: 'left-pad@1.3.0', outcome: 'added', index: 0 }),
      expect.objectContaining({ package: 'left-pad@9.9.9', outcome: 'failed', code: 'NO_SOURCE' }),
    ]);
    expect(lines.map((l) => l.event)).toEqual([
      'listening',
      'ingest',
      'request',
      'ingest',
      'request',
      'request',
      'shutdown',
      'stopped',
    ]);
    expect(s.out()).toContain('log server stopped\n');
  });
});

describe('sumgate log status', () => {
  it('prints origin, vkey, size, the last checkpoint and disk use, while served and after', async () => {
    const dir = tempDir();
    const { vkey } = await initLog({ dir, origin: 'status.test/log' });
    const server = await serveLog({ dir });
    await Promise.all([1, 2, 3].map((i) => server.log.append(fakeRecord(i))));
    const note = server.log.checkpoint().note;

    const run = async (args: string[]): Promise<{ code: number; out: string }> => {
      let out = '';
      const code = await runLogCommand(['status', '--dir', dir, ...args], {
        stdout: (t) => (out += t),
        stderr: (t) => (out += t),
      });
      return { code, out };
    };
    const text = await run([]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`log status.test/log in ${dir}`);
    expect(text.out).toContain(`vkey:        ${vkey}`);
    expect(text.out).toContain('size:        3 entries');
    expect(text.out).toContain(`open by pid ${process.pid}`);
    for (const line of note.trimEnd().split('\n')) expect(text.out).toContain(`  ${line}`);
    expect(text.out).toMatch(/disk: {8}\d+(\.\d)? (B|KiB|MiB)/);

    const json = JSON.parse((await run(['--json'])).out) as Record<string, unknown>;
    expect(json).toMatchObject({
      origin: 'status.test/log',
      vkey,
      size: 3,
      checkpoint: note,
      lockedBy: process.pid,
      evidence: 0,
    });
    expect(json.checkpointTime).toBe(statSync(join(dir, 'checkpoint')).mtime.toISOString());
    expect(json.diskBytes as number).toBeGreaterThan(readFileSync(join(dir, 'checkpoint')).length);

    await server.close();
    const closed = JSON.parse((await run(['--json'])).out) as Record<string, unknown>;
    expect(closed).toMatchObject({ size: 3 });
    expect(closed).not.toHaveProperty('lockedBy');
    expect((await run([])).out).toContain('no process has it open');
    const notALog = await runLogCommand(['status', '--dir', tempDir()], {
      stdout: () => undefined,
      stderr: () => undefined,
    });
    expect(notALog).toBe(2);
  });
});

describe('moving to a new key', () => {
  it('prepare, clients pin both, commit: the same tree, signed by the new key from then on', async () => {
    const dir = tempDir();
    const { vkey: oldVkey } = await initLog({ dir, origin: 'rotate.test/log' });
    let server = await serveLog({ dir });
    await Promise.all([1, 2].map((i) => server.log.append(fakeRecord(i))));
    const before = openCheckpoint(server.log.checkpoint().note, parseVerifierKey(oldVkey)).checkpoint;

    const cmd = async (args: string[]): Promise<{ code: number; out: string }> => {
      let out = '';
      const code = await runLogCommand(['rotate-key', '--dir', dir, ...args], {
        stdout: (t) => (out += t),
        stderr: (t) => (out += t),
      });
      return { code, out };
    };
    const prepared = await cmd(['--prepare']);
    expect(prepared.code).toBe(0);
    const newVkey = /^new vkey: +(\S+)$/m.exec(prepared.out)![1]!;
    expect(newVkey).not.toBe(oldVkey);
    expect(newVkey.split('+')[0]).toBe('rotate.test/log');
    expect(prepared.out).toContain(`"vkeys": [${JSON.stringify(oldVkey)}, ${JSON.stringify(newVkey)}]`);
    expect(statSync(join(dir, 'log.skey.next')).mode & 0o777).toBe(0o600);
    expect((await cmd(['--prepare'])).code).toBe(2); // already prepared

    // The server still has the directory: commit refuses, nothing changes.
    const busy = await cmd(['--commit']);
    expect(busy.code).toBe(2);
    expect(busy.out).toContain('already open');
    expect(readFileSync(join(dir, 'log.vkey'), 'utf8').trim()).toBe(oldVkey);
    await server.close();

    const committed = await cmd(['--commit']);
    expect(committed.code, committed.out).toBe(0);
    expect(readFileSync(join(dir, 'log.vkey'), 'utf8').trim()).toBe(newVkey);
    // The checkpoint clients see first carries both signatures, over the same tree.
    const note = readFileSync(join(dir, 'checkpoint'), 'utf8');
    for (const k of [oldVkey, newVkey])
      expect(openCheckpoint(note, parseVerifierKey(k)).checkpoint).toEqual(before);

    server = await serveLog({ dir });
    try {
      expect(server.vkey).toBe(newVkey);
      await server.log.append(fakeRecord(3));
      const after = server.log.checkpoint().note;
      expect(openCheckpoint(after, parseVerifierKey(newVkey)).checkpoint.size).toBe(3);
      expect(
        openNote(after, [parseVerifierKey(oldVkey), parseVerifierKey(newVkey)]).verified.map((s) => s.name),
      ).toEqual(['rotate.test/log']);
      expect(() => openCheckpoint(after, parseVerifierKey(oldVkey))).toThrow();
    } finally {
      await server.close();
    }
    expect((await cmd(['--commit'])).code).toBe(2); // nothing prepared any more
  });
});

describe('backup', () => {
  it('a copy taken while serving, checkpoint first, opens with everything that checkpoint covers', async () => {
    const dir = tempDir();
    const { vkey } = await initLog({ dir, origin: 'backup.test/log' });
    const server = await serveLog({ dir, batchMaxDelayMs: 1 });
    const copy = join(tempDir(), 'copy');
    let copiedSize = -1;
    try {
      await Promise.all(Array.from({ length: 300 }, (_, i) => server.log.append(fakeRecord(i))));
      // Appends keep coming while the copy is made.
      const writing = Promise.all(
        Array.from({ length: 300 }, (_, i) => server.log.append(fakeRecord(1000 + i))),
      );
      mkdirSync(copy);
      copyFileSync(join(dir, 'checkpoint'), join(copy, 'checkpoint'));
      copiedSize = openCheckpoint(readFileSync(join(copy, 'checkpoint'), 'utf8'), parseVerifierKey(vkey))
        .checkpoint.size;
      for (const f of readdirSync(dir, { withFileTypes: true })) {
        if (f.isFile() && f.name !== 'checkpoint' && f.name !== 'LOCK')
          copyFileSync(join(dir, f.name), join(copy, f.name));
      }
      await writing;
    } finally {
      await server.close();
    }
    expect(copiedSize).toBeGreaterThanOrEqual(300);
    const restored = await openLog(copy, { verifyAll: true });
    try {
      expect(restored.checkpoint().size).toBeGreaterThanOrEqual(copiedSize);
      expect(restored.vkey).toBe(vkey);
      for (let i = 0; i < 300; i++) expect(restored.readEntries(i, 1)).toHaveLength(1);
    } finally {
      await restored.close();
    }
  });
});

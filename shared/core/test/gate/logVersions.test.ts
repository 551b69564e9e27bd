/**
 * The baseline walk over the log's version list (docs/version-list.md), through the Gate over a
 * real log and registry on 127.0.0.1 and a scripted network: a mirror that hides versions from its
 * packument no longer changes the baseline or the versions named; a log that leaves versions out
 * of its list cannot hide what the source lists; an older log without the list degrades to the
 * packument with a note; a network fault of the list fails closed and is not remembered.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isSumgateError } from '../../src/errors.js';
import { inspectTarball } from '../../src/inspect/installCode.js';
import { nodeHttpClient } from '../../src/sources/http.js';
import type { Verdict } from '../../src/verdict/verdict.js';
import { MemoryFiles, Network, project, Registry, removeTempDirs, reset, startLog, status } from './world.js';
import type { Fault, TestLog } from './world.js';

const HOUR = 3_600_000;
const NAME = 'stone';
const STEPPING_MESSAGE =
  'stone@1.0.2 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have; this install-time code first appeared in 1.0.1, published 60 minutes before 1.0.2';
const PLAIN_MESSAGE =
  'stone@1.0.2 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have; nothing was run';

let registry: Registry;
let log: TestLog;
let files: MemoryFiles;
let net: Network;
let said: string[];

beforeAll(async () => {
  registry = await new Registry().start();
  const now = Date.now();
  const post = { postinstall: 'node install.js' };
  registry.add(NAME, '0.9.0', { publishedAt: new Date(now - 60 * 24 * HOUR).toISOString() });
  registry.add(NAME, '1.0.0', { publishedAt: new Date(now - 30 * 24 * HOUR).toISOString() });
  registry.add(NAME, '1.0.1', { scripts: post, publishedAt: new Date(now - 49 * HOUR).toISOString() });
  registry.add(NAME, '1.0.2', { scripts: post, publishedAt: new Date(now - 48 * HOUR).toISOString() });
  registry.add('plain', '1.0.0');
  log = await startLog(registry.url);
});
afterAll(async () => {
  await log.close();
  await registry.close();
  removeTempDirs();
});
beforeEach(() => {
  files = new MemoryFiles();
  net = new Network();
  said = [];
});

const policy = (over: Record<string, unknown> = {}) => ({
  sources: [{ name: 'mirror', url: registry.url }],
  log: { url: log.url, vkeys: [log.vkey], timeoutMs: 5000 },
  ...over,
});
const gateOn = (over: Record<string, unknown> = {}) => project(policy(over)).open(files, net, said);
const locked = (version: string, name = NAME) => ({
  name,
  version,
  integrity: registry.integrityOf(name, version),
});
const versionRequests = () => net.requests.filter((r) => r.startsWith('GET /versions/'));

/** The source serves its packument without these versions (and their times): a hiding mirror. */
const hidingMirror =
  (...hidden: string[]): Fault =>
  async (u, req) => {
    if (u.host !== new URL(registry.url).host || u.pathname !== `/${NAME}`) return undefined;
    const res = await nodeHttpClient(u.toString(), req);
    const doc = JSON.parse(res.body.toString('utf8')) as {
      versions: Record<string, unknown>;
      time: Record<string, unknown>;
    };
    for (const v of hidden) {
      delete doc.versions[v];
      delete doc.time[v];
    }
    return { ...res, body: Buffer.from(JSON.stringify(doc)) };
  };
const onVersions =
  (answer: () => ReturnType<Fault>): Fault =>
  (u) =>
    u.pathname.startsWith('/versions/') ? answer() : undefined;

async function verdictOf(version: string): Promise<Verdict> {
  const [v] = await gateOn().verifyLocked([locked(version)]);
  return v!;
}
const messages = (v: Verdict) => v.problems.map((p) => `${p.code} ${p.message}`);

describe('the baseline walk takes the union of the log list and the sources', () => {
  it('names the stepping stone a mirror hides, from the log list (not yet ingested there)', async () => {
    net.faults = [hidingMirror('1.0.1')];
    const v = await verdictOf('1.0.2');
    expect(messages(v)).toEqual([`QUARANTINE_ADDED ${STEPPING_MESSAGE}; nothing was run`]);
    expect(v.previous?.version).toBe('1.0.0');
    expect(versionRequests()).toEqual(['GET /versions/stone']);
  });

  it('finds the established baseline a mirror hides with the stepping stone (ADDED, not FIRST)', async () => {
    net.faults = [hidingMirror('0.9.0', '1.0.0', '1.0.1')];
    const v = await verdictOf('1.0.2');
    expect(messages(v)).toEqual([`QUARANTINE_ADDED ${STEPPING_MESSAGE}; nothing was run`]);
  });

  it('names the stepping stone again on a rerun over the same cache (a walk past in-between versions is not cached)', async () => {
    net.faults = [hidingMirror('1.0.1')];
    expect(messages(await verdictOf('1.0.2'))).toEqual([
      `QUARANTINE_ADDED ${STEPPING_MESSAGE}; nothing was run`,
    ]);
    expect(messages(await verdictOf('1.0.2'))).toEqual([
      `QUARANTINE_ADDED ${STEPPING_MESSAGE}; nothing was run`,
    ]);
    expect(versionRequests()).toHaveLength(2);
  });

  it('keeps what the source lists when the log list leaves it out', async () => {
    net.faults = [
      onVersions(() =>
        status(
          200,
          JSON.stringify({ name: NAME, below: '1.0.2', versions: [], truncated: false, upstream: 'listed' }),
        ),
      ),
    ];
    const v = await verdictOf('1.0.2');
    expect(messages(v)).toEqual([`QUARANTINE_ADDED ${STEPPING_MESSAGE}; nothing was run`]);
  });

  it('asks for no list when the version has no install code, or an approval covers it', async () => {
    await gateOn().verifyLocked([locked('1.0.0'), locked('1.0.0', 'plain')]);
    const fingerprint = inspectTarball(registry.tarballs.get('stone@1.0.2')!).installCode.fingerprint;
    const [approved] = await gateOn({
      approvals: [{ package: 'stone@1.0.2', installCode: fingerprint }],
    }).verifyLocked([locked('1.0.2')]);
    expect(approved!.problems).toEqual([]);
    expect(versionRequests()).toEqual([]);
  });
});

describe('a log without the list, and a log that cannot be reached', () => {
  it('an older log (404) degrades to the packument with a note and one line said', async () => {
    net.faults = [hidingMirror('1.0.1'), onVersions(() => status(404, 'no such resource'))];
    const v = await verdictOf('1.0.2');
    expect(messages(v)).toEqual([`QUARANTINE_ADDED ${PLAIN_MESSAGE}`]);
    expect(v.notes.join('\n')).toContain(
      `the checksum log ${log.url} does not list versions (HTTP 404 on GET /versions/: a log older than this client), so the versions stone@1.0.2 was compared with come from the packument of the source mirror only`,
    );
    expect(said.filter((l) => l.includes('does not list versions'))).toHaveLength(1);
  });

  it('a network fault of the list is LOG_UNREACHABLE naming the package, never "no versions", and is not remembered', async () => {
    net.faults = [hidingMirror('1.0.1'), onVersions(() => reset())];
    const gate = gateOn();
    const err = await gate.verifyLocked([locked('1.0.2')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSumgateError(err) && err.code).toBe('LOG_UNREACHABLE');
    expect((err as Error).message).toContain(
      "stone@1.0.2: could not get the checksum log's list of its versions",
    );
    net.faults = [hidingMirror('1.0.1')];
    const [v] = await gate.verifyLocked([locked('1.0.2')]);
    expect(messages(v!)).toEqual([`QUARANTINE_ADDED ${STEPPING_MESSAGE}; nothing was run`]);
  });

  it('an HTTP 500 or a malformed list fails closed too', async () => {
    for (const [answer, code] of [
      [status(500, 'boom'), 'LOG_UNREACHABLE'],
      [status(200, '{"name":"stone","below":"1.0.2","versions":[{"version":"x"}]}'), 'MALFORMED_PROOF'],
    ] as const) {
      files = new MemoryFiles();
      net.faults = [onVersions(() => answer)];
      const err = await gateOn()
        .verifyLocked([locked('1.0.2')])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isSumgateError(err) && err.code, String(err)).toBe(code);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { runCli } from './runCli.js';
import { packageLock, pnpmLock, useWorld, writeProject, yarnBerryLock } from './cliFixtures.js';
import type { Pin } from './cliFixtures.js';

const world = useWorld();

const CLEAN: Pin[] = [
  ['plain', '1.0.0'],
  ['@scope/lib', '1.0.0'],
  ['adds-script', '1.0.0'],
];

interface Report {
  ok: boolean;
  format: string;
  summary: Record<string, number>;
  packages: Array<{
    name: string;
    version: string;
    decision: string;
    source: string;
    logIndex: number;
    integrityFrom: string;
    problems: Array<{ code: string }>;
  }>;
  unresolved: Array<{ name: string; version: string; reason: string }>;
  error?: { code: string };
}

describe('sumgate audit', () => {
  it('passes a clean pnpm-lock.yaml (exit 0) and the JSON lists every package with verdict and source', async () => {
    const { dir, env } = writeProject(world, { 'pnpm-lock.yaml': pnpmLock(world, CLEAN) });
    const r = await runCli(['audit', '--json'], { cwd: dir, env });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.ok).toBe(true);
    expect(report.format).toBe('pnpm-lock.yaml');
    expect(report.packages.map((p) => `${p.name}@${p.version}:${p.decision}:${p.source}`).sort()).toEqual([
      '@scope/lib@1.0.0:verified:fixture',
      'adds-script@1.0.0:verified:fixture',
      'plain@1.0.0:verified:fixture',
    ]);
    expect(report.packages.every((p) => typeof p.logIndex === 'number')).toBe(true);

    const human = await runCli(['audit'], { cwd: dir, env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/3 packages in pnpm-lock\.yaml: 3 verified/);
    expect(human.stderr).not.toContain('verifying');

    // At a terminal: progress on stderr, stdout unchanged.
    const tty = await runCli(['audit'], { cwd: dir, env, answers: [] });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('sumgate audit: verifying 0/3 packages against the checksum log');
    expect(tty.stdout).toBe(human.stdout);
  });

  it('fails (exit 1) on a version that adds install-time code, naming it and the approve command', async () => {
    const { dir, env } = writeProject(world, {
      'pnpm-lock.yaml': pnpmLock(world, [
        ...CLEAN.filter(([n]) => n !== 'adds-script'),
        ['adds-script', '1.1.0'],
      ]),
    });
    const r = await runCli(['audit', '--json'], { cwd: dir, env });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.ok).toBe(false);
    const bad = report.packages.find((p) => p.name === 'adds-script')!;
    expect(bad.decision).toBe('refused');
    expect(bad.problems.map((p) => p.code)).toEqual(['QUARANTINE_ADDED']);
    expect(report.summary).toMatchObject({ packages: 3, verified: 2, refused: 1 });

    const human = await runCli(['audit'], { cwd: dir, env });
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('sumgate QUARANTINE_ADDED: adds-script@1.1.0 is quarantined');
    expect(human.stdout).toContain('fix: sumgate approve adds-script@1.1.0');
  });

  it('fails (exit 1) when the lockfile integrity disagrees with the log', async () => {
    const lock = pnpmLock(world, CLEAN, (n, v) =>
      n === 'plain' ? world.registry.integrityOf('@scope/lib', '1.0.0') : world.registry.integrityOf(n, v),
    );
    const { dir, env } = writeProject(world, { 'pnpm-lock.yaml': lock });
    const r = await runCli(['audit'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('sumgate LOG_MISMATCH: plain@1.0.0');
  });

  it('passes a clean package-lock.json', async () => {
    const { dir, env } = writeProject(world, { 'package-lock.json': packageLock(world, CLEAN) });
    const r = await runCli(['audit', '--json'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as Report).packages).toHaveLength(3);
  });

  it('checks a yarn.lock, reading each integrity from the sources (no integrity in Berry lockfiles)', async () => {
    const { dir, env } = writeProject(world, { 'yarn.lock': yarnBerryLock(CLEAN) });
    world.registry.clearRequests();
    const r = await runCli(['audit', '--json'], { cwd: dir, env });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.format).toBe('yarn.lock');
    expect(report.packages.map((p) => [p.name, p.decision, p.integrityFrom, p.source])).toEqual([
      ['plain', 'verified', 'source metadata', 'fixture'],
      ['@scope/lib', 'verified', 'source metadata', 'fixture'],
      ['adds-script', 'verified', 'source metadata', 'fixture'],
    ]);
    expect(world.registry.packumentRequests().length).toBeGreaterThanOrEqual(3);

    const quarantined = writeProject(world, {
      'yarn.lock': yarnBerryLock([
        ['plain', '1.0.0'],
        ['changes-script', '1.1.0'],
      ]),
    });
    const q = await runCli(['audit'], { cwd: quarantined.dir, env: quarantined.env });
    expect(q.code).toBe(1);
    expect(q.stdout).toContain('QUARANTINE_CHANGED: changes-script@1.1.0');
  });

  it('exits 2 when a yarn.lock entry has no integrity at any source', async () => {
    const { dir, env } = writeProject(world, {
      'yarn.lock': yarnBerryLock([
        ['plain', '1.0.0'],
        ['not-published', '1.0.0'],
      ]),
    });
    const r = await runCli(['audit', '--json'], { cwd: dir, env });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.unresolved.map((u) => u.name)).toEqual(['not-published']);
    expect(report.packages.map((p) => p.name)).toEqual(['plain']);
  });

  it('exits 2 when the log is unreachable', async () => {
    const policy = `{ "sources": [{ "name": "fixture", "url": "${world.registry.url}" }], "log": { "url": "http://127.0.0.1:9/", "vkeys": ["${world.log.vkey}"], "timeoutMs": 2000 } }`;
    const { dir, env } = writeProject(world, { 'pnpm-lock.yaml': pnpmLock(world, CLEAN) }, policy);
    const r = await runCli(['audit'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('LOG_UNREACHABLE');
    const j = await runCli(['audit', '--json'], { cwd: dir, env });
    expect(j.code).toBe(2);
    expect((JSON.parse(j.stdout) as Report).error?.code).toBe('LOG_UNREACHABLE');
  });

  it('exits 2 on an unreadable lockfile, a missing one, or a bad policy', async () => {
    const { dir, env } = writeProject(world, {});
    const missing = await runCli(['audit', '--lockfile', 'nope/pnpm-lock.yaml'], { cwd: dir, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    const none = await runCli(['audit'], { cwd: dir, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no lockfile');
    const bad = writeProject(world, { 'pnpm-lock.yaml': pnpmLock(world, CLEAN) }, '{ "mode": "strict" }');
    const r = await runCli(['audit'], { cwd: bad.dir, env: bad.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('POLICY_INVALID');
  });

  it('rejects unknown flags and stray arguments with exit 2', async () => {
    expect((await runCli(['audit', '--bogus'])).code).toBe(2);
    const r = await runCli(['audit', 'extra']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: sumgate audit');
    const help = await runCli(['audit', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--lockfile');
  });
});

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gate, inspectTarball, loadPolicy } from '@sumgate/core';
import { runCli } from './runCli.js';
import { commentedPolicy, pnpmLock, useWorld, writeProject } from './cliFixtures.js';

const world = useWorld();

const fingerprint = (n: string, v: string) =>
  inspectTarball(world.registry.tarballOf(n, v)).installCode.fingerprint;

async function verdictOf(dir: string, env: NodeJS.ProcessEnv, name: string, version: string) {
  const gate = Gate.open({ cwd: dir, host: 'cli', env });
  const [v] = await gate.verifyLocked([
    { name, version, integrity: world.registry.integrityOf(name, version) },
  ]);
  return v!;
}

describe('sumgate approve', () => {
  it('shows the added hook and file, writes an approval that makes verifyLocked pass, keeps comments, and never duplicates', async () => {
    const { dir, env } = writeProject(world, {
      'pnpm-lock.yaml': pnpmLock(world, [['adds-script', '1.1.0']]),
    });
    const policyFile = path.join(dir, 'sumgate.jsonc');
    const before = readFileSync(policyFile, 'utf8');
    expect((await verdictOf(dir, env, 'adds-script', '1.1.0')).decision).toBe('refused');

    const r = await runCli(
      ['approve', 'adds-script@1.1.0', '--yes', '--note', 'reviewed: writes built.txt'],
      { cwd: dir, env },
    );
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('compared with adds-script@1.0.0');
    expect(r.stdout).toContain('  + postinstall: node install.js');
    expect(r.stdout).toContain('  + install.js (new, sha256');
    expect(r.stdout).toContain("    +require('fs')".replace("require('fs')", "const fs = require('fs');"));
    expect(r.stdout).toContain('now: adds-script@1.1.0 is approved');

    const after = readFileSync(policyFile, 'utf8');
    // The exact original text, comments included, plus a comma and the new key before the final brace.
    const entry = `{ "package": "adds-script@1.1.0", "installCode": "${fingerprint('adds-script', '1.1.0')}", "note": "reviewed: writes built.txt" }`;
    expect(after).toBe(
      before.replace(
        '  "quarantine": true // keep this on\n}',
        `  "quarantine": true, // keep this on\n  "approvals": [\n    ${entry}\n  ]\n}`,
      ),
    );
    const policy = loadPolicy({ cwd: dir, env });
    expect(policy.approvals).toEqual([
      {
        package: 'adds-script@1.1.0',
        installCode: fingerprint('adds-script', '1.1.0'),
        note: 'reviewed: writes built.txt',
      },
    ]);
    expect((await verdictOf(dir, env, 'adds-script', '1.1.0')).decision).toBe('approved');
    expect((await runCli(['audit'], { cwd: dir, env })).code).toBe(0);

    const mtime = statSync(policyFile).mtimeMs;
    const again = await runCli(['approve', 'adds-script@1.1.0', '--yes'], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already approved');
    expect(readFileSync(policyFile, 'utf8')).toBe(after);
    expect(statSync(policyFile).mtimeMs).toBe(mtime);
  });

  it('shows a changed install file as a unified diff and approves on a "y" at the prompt', async () => {
    const { dir, env } = writeProject(
      world,
      {},
      commentedPolicy(
        world,
        '\n  "approvals": [\n    { "package": "plain@1.0.0", "installCode": "sha256-RPE+Q0eS8lfJSzZZMuYktHTLwhuRg/zsrWaJz2yiRps=" }, // old\n  ],',
      ),
    );
    const r = await runCli(['approve', 'changes-script@1.1.0'], { cwd: dir, env, answers: ['y'] });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    postinstall: node install.js   (unchanged)');
    expect(r.stdout).toContain('  ~ install.js (changed, sha256');
    expect(r.stdout).toMatch(
      /@@ -1,3 \+1,4 @@\n {5}const fs = require\('fs'\);\n {5}console\.log\('building'\);\n {4}\+require\('http'\)/,
    );
    expect(r.stdout).toContain('approve changes-script@1.1.0 with this install-time code? [y/N]');
    const text = readFileSync(path.join(dir, 'sumgate.jsonc'), 'utf8');
    expect(text).toContain('// old');
    expect(loadPolicy({ cwd: dir, env }).approvals.map((a) => a.package)).toEqual([
      'plain@1.0.0',
      'changes-script@1.1.0',
    ]);
    expect((await verdictOf(dir, env, 'changes-script', '1.1.0')).decision).toBe('approved');
  });

  it('re-pins a stale approval of the same version instead of adding a second one', async () => {
    const stale = 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const { dir, env } = writeProject(
      world,
      {},
      commentedPolicy(
        world,
        `\n  "approvals": [{ "package": "adds-script@1.1.0", "installCode": "${stale}" }],`,
      ),
    );
    const r = await runCli(['approve', 'adds-script@1.1.0', '--yes'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('updated the approval of adds-script@1.1.0');
    expect(loadPolicy({ cwd: dir, env }).approvals).toEqual([
      { package: 'adds-script@1.1.0', installCode: fingerprint('adds-script', '1.1.0'), note: undefined },
    ]);
  });

  it('without a terminal and without --yes: shows the code, changes nothing, exits 2 asking for --yes', async () => {
    const { dir, env } = writeProject(world, {});
    const before = readFileSync(path.join(dir, 'sumgate.jsonc'), 'utf8');
    const r = await runCli(['approve', 'adds-script@1.1.0'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('+ postinstall: node install.js');
    expect(r.stderr).toContain('re-run with --yes');
    expect(readFileSync(path.join(dir, 'sumgate.jsonc'), 'utf8')).toBe(before);
  });

  it('a "no" at the prompt changes nothing (exit 1)', async () => {
    const { dir, env } = writeProject(world, {});
    const before = readFileSync(path.join(dir, 'sumgate.jsonc'), 'utf8');
    const r = await runCli(['approve', 'adds-script@1.1.0'], { cwd: dir, env, answers: ['n'] });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not approved');
    expect(readFileSync(path.join(dir, 'sumgate.jsonc'), 'utf8')).toBe(before);
  });

  it('a version without install-time code: says so, exit 0, no change', async () => {
    const { dir, env } = writeProject(world, {});
    const before = readFileSync(path.join(dir, 'sumgate.jsonc'), 'utf8');
    const r = await runCli(['approve', 'plain@1.0.0', '--yes'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('has no install-time code');
    expect(readFileSync(path.join(dir, 'sumgate.jsonc'), 'utf8')).toBe(before);
  });

  it('refuses to show code for a version the log does not have (exit 1)', async () => {
    const { dir, env } = writeProject(world, {});
    const r = await runCli(['approve', 'adds-script@9.9.9', '--yes'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LOG_ABSENT');
  });

  it.each([
    [['approve'], 'exactly one <name>@<version>'],
    [['approve', 'adds-script'], 'is not <name>@<version>'],
    [['approve', 'adds-script@^1.0.0'], 'not an exact version'],
    [['approve', 'adds-script@1.1.0', '--force'], 'unknown option --force'],
    [['approve', 'a@1.0.0', 'b@1.0.0'], 'exactly one'],
  ])('bad arguments exit 2 with a clear error %#', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('sumgate explain', () => {
  it('explains a quarantined version: reasons, log entry, proof, previous version, source (exit 1)', async () => {
    const { dir, env } = writeProject(world, {});
    const r = await runCli(['explain', 'adds-script@1.1.0'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('adds-script@1.1.0: refused');
    expect(r.stdout).toContain('QUARANTINE_ADDED: adds-script@1.1.0 is quarantined');
    expect(r.stdout).toMatch(/entry: leaf \d+; record:\n {4}\| npm adds-script 1\.1\.0 sha512-/);
    expect(r.stdout).toMatch(/checkpoint of sumgate\.test\/npm, tree size \d+/);
    expect(r.stdout).toContain('previous version compared: 1.0.0: no install-time code');
    expect(r.stdout).toContain(
      `source: fixture ${world.registry.url}, metadata integrity ${world.registry.integrityOf('adds-script', '1.1.0')} (matches the log)`,
    );
    expect(r.stdout).toContain('sumgate approve adds-script@1.1.0');
  });

  it('says where the fingerprint was widened: the file, the expression, what it reaches', async () => {
    const { dir, env } = writeProject(world, {});
    const r = await runCli(['explain', 'loads-plugins@1.0.0'], { cwd: dir, env });
    expect(r.stdout).toContain(
      'fingerprint widened where a require/import could not be followed statically:',
    );
    expect(r.stdout).toContain(
      'widened: install.js `require("./plugins/" + process.argv[2])` (require() with a computed argument) can reach files starting "plugins/"; 1 file added to the install code',
    );
    const j = JSON.parse(
      (await runCli(['explain', 'loads-plugins@1.0.0', '--json'], { cwd: dir, env })).stdout,
    ) as { widened: Array<{ from: string; reaches: string }> };
    expect(j.widened).toMatchObject([{ from: 'install.js', reaches: 'files starting "plugins/"' }]);
    const plain = await runCli(['explain', 'adds-script@1.1.0'], { cwd: dir, env });
    expect(plain.stdout).toContain('fingerprint not widened');
  });

  it('--json gives the verdict, the log entry and checkpoint, the source (exit 0 when accepted)', async () => {
    const { dir, env } = writeProject(world, {});
    const r = await runCli(['explain', '@scope/lib@1.0.0', '--json'], { cwd: dir, env });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      verdict: { decision: string; logIndex: number };
      log: { leaf: number; record: string; checkpoint: { origin: string; size: number } };
      source: { source: string; matchesLog: boolean };
    };
    expect(j.verdict.decision).toBe('verified');
    expect(j.log.leaf).toBe(j.verdict.logIndex);
    expect(j.log.record).toMatch(/^npm @scope\/lib 1\.0\.0 sha512-/);
    expect(j.log.checkpoint.origin).toBe('sumgate.test/npm');
    expect(j.log.checkpoint.size).toBeGreaterThan(j.log.leaf);
    expect(j.source).toMatchObject({ source: 'fixture', matchesLog: true });
  });

  it('bad arguments exit 2', async () => {
    expect((await runCli(['explain'])).code).toBe(2);
    expect((await runCli(['explain', 'x@latest'])).stderr).toContain('not an exact version');
    expect((await runCli(['explain', 'x@1.0.0', '--yes'])).code).toBe(2);
  });
});

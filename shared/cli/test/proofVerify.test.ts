import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './runCli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const vectors = path.resolve(here, '../../core/test/vectors');
const record = path.join(vectors, 'go-sumdb-43930254.record');
const proof = path.join(vectors, 'go-sumdb-43930254.tlog-proof');
const GO_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

function tampered(file: string, at: (bytes: Buffer) => number): string {
  const bytes = readFileSync(file);
  bytes[at(bytes)]! ^= 0x01;
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'sumgate-vec-')), path.basename(file));
  writeFileSync(out, bytes);
  return out;
}

describe('sumgate proof verify (Go sumdb vector)', () => {
  it('accepts the real sum.golang.org tlog-proof', async () => {
    const r = await runCli(['proof', 'verify', '--vkey', GO_VKEY, '--record', record, proof]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('leaf 43930254');
    expect(r.stdout).toContain('tree size 58253265');
  });

  it('rejects a record with one flipped byte', async () => {
    const r = await runCli([
      'proof',
      'verify',
      '--vkey',
      GO_VKEY,
      '--record',
      tampered(record, () => 20),
      proof,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^invalid: /);
  });

  it('rejects a proof with one flipped hash byte, and a checkpoint with a flipped byte', async () => {
    const hashByte = (b: Buffer) => b.indexOf('Q2cuq1e21q4') + 3;
    expect(
      (await runCli(['proof', 'verify', '--vkey', GO_VKEY, '--record', record, tampered(proof, hashByte)]))
        .code,
    ).toBe(1);
    const rootByte = (b: Buffer) => b.indexOf('lIyLAEe4') + 2;
    const r = await runCli([
      'proof',
      'verify',
      '--vkey',
      GO_VKEY,
      '--record',
      record,
      tampered(proof, rootByte),
    ]);
    expect(r.code).toBe(1);
  });

  it('rejects a valid proof under another key', async () => {
    const other = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn9';
    const r = await runCli(['proof', 'verify', '--vkey', other, '--record', record, proof]);
    expect(r.code).not.toBe(0);
  });

  it.each([
    [['proof', 'verify', '--record', record, proof], '--vkey is required'],
    [['proof', 'verify', '--vkey', GO_VKEY, '--record', record], 'exactly one tlog-proof file'],
    [['proof', 'verify', '--vkey', GO_VKEY, '--record', record, '--bogus', proof], 'unknown option --bogus'],
    [['proof', 'verify', '--vkey', GO_VKEY, '--record', '/nonexistent', proof], 'cannot read /nonexistent'],
    [['proof', 'frobnicate'], 'unknown command'],
  ])('exits 2 with a clear error on bad arguments %#', async (argv, message) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('the built binary gives the same answers (exit codes 0 and 1)', () => {
    const bin = path.resolve(here, '../dist/sumgate.js');
    expect(existsSync(bin), `${bin} is missing: run \`pnpm run build\` first`).toBe(true);
    const ok = execFileSync(
      process.execPath,
      [bin, 'proof', 'verify', '--vkey', GO_VKEY, '--record', record, proof],
      { encoding: 'utf8' },
    );
    expect(ok).toContain('valid: the record is leaf 43930254');
    const bad = spawnSync(
      process.execPath,
      [bin, 'proof', 'verify', '--vkey', GO_VKEY, '--record', tampered(record, () => 5), proof],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('invalid:');
  });
});

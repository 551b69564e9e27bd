import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Gate, SumgateError } from '@sumgate/core';
import { GateReloader } from '../../src/proxy/gateReloader.js';

const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const policy = (extra: string) => `{ "log": { "url": "http://127.0.0.1:9/", "vkeys": ["${VKEY}"] }${extra} }`;

describe('GateReloader', () => {
  it('keeps the Gate while the policy and .npmrc are unchanged, reopens it after an edit, and fails closed on a policy that no longer loads', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sumgate-reload-'));
    const file = path.join(dir, 'sumgate.jsonc');
    writeFileSync(file, policy(''));
    const said: string[] = [];
    const env = { HOME: dir };
    const gates = new GateReloader(
      () => Gate.open({ cwd: dir, host: 'proxy', env }),
      env,
      (l) => said.push(l),
    );
    const first = gates.current();
    expect(gates.current()).toBe(first);
    expect(first.policy.approvals).toEqual([]);

    writeFileSync(
      file,
      policy(
        ', "approvals": [{ "package": "a@1.0.0", "installCode": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }]',
      ),
    );
    const second = gates.current();
    expect(second).not.toBe(first);
    expect(second.policy.approvals.map((a) => a.package)).toEqual(['a@1.0.0']);
    expect(said).toEqual([`sumgate proxy: ${file} changed; reloaded`]);

    writeFileSync(file, '{ "mode": "strict" ');
    for (let i = 0; i < 2; i++) {
      expect(() => gates.current()).toThrow(SumgateError);
      try {
        gates.current();
      } catch (e) {
        expect((e as SumgateError).code).toBe('POLICY_INVALID');
      }
    }
    writeFileSync(file, policy(', "mode": "warn"'));
    expect(gates.current().policy.mode).toBe('warn');

    // a source's token written to the workspace .npmrc is picked up too
    const before = gates.current();
    writeFileSync(path.join(dir, '.npmrc'), '//127.0.0.1:9/:_authToken=t\n');
    expect(gates.current()).not.toBe(before);
    expect(said.at(-1)).toBe(`sumgate proxy: ${path.join(dir, '.npmrc')} changed; reloaded`);
  });
});

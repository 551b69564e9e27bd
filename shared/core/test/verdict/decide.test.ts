import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../src/policy/loadPolicy.js';
import type { Policy } from '../../src/policy/policy.js';
import type { NpmRecord } from '../../src/record/npmRecord.js';
import { decide } from '../../src/verdict/decide.js';
import type { Facts } from '../../src/verdict/decide.js';

const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const FP1 = `sha256-${'A'.repeat(42)}E=`;
const FP2 = `sha256-${'B'.repeat(42)}E=`;
const SRI = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
const OTHER = `sha512-${Buffer.alloc(64, 2).toString('base64')}`;

function policy(extra: Record<string, unknown> = {}): Policy {
  return parsePolicyText(
    JSON.stringify({ log: { url: 'http://127.0.0.1:9/', vkeys: [VKEY] }, ...extra }),
    '/r/sumgate.jsonc',
  );
}
function record(fingerprint = 'none', hooks: string[] = []): NpmRecord {
  return {
    name: 'pkg',
    version: '1.1.0',
    integrity: SRI,
    installCode: { fingerprint, hooks },
    signatures: [],
  };
}
function facts(f: Partial<Facts> = {}): Facts {
  return { name: 'pkg', version: '1.1.0', integrity: SRI, logged: { record: record(), index: 7 }, ...f };
}
const none = { fingerprint: 'none', hooks: [] };
const post1 = { fingerprint: FP1, hooks: ['postinstall'] };

describe('decide', () => {
  it('verifies a logged version without install-time code', () => {
    const v = decide(policy(), facts());
    expect(v.decision).toBe('verified');
    expect(v.logIndex).toBe(7);
  });

  it('refuses a version absent from the log', () => {
    const v = decide(policy(), facts({ logged: { absent: 'not found upstream' } }));
    expect(v.decision).toBe('refused');
    expect(v.problems[0]?.code).toBe('LOG_ABSENT');
    expect(v.problems[0]?.message).toContain('pkg@1.1.0');
  });

  it('refuses a lockfile integrity that disagrees with the log, naming both', () => {
    const v = decide(policy(), facts({ integrity: OTHER }));
    expect(v.problems[0]?.code).toBe('LOG_MISMATCH');
    expect(v.problems[0]?.message).toContain(OTHER);
    expect(v.problems[0]?.message).toContain(SRI);
  });

  it('refuses bytes that disagree with the log', () => {
    const v = decide(policy(), facts({ bytes: { integrity: OTHER, installCode: none, source: 'mirror' } }));
    expect(v.problems[0]?.code).toBe('INTEGRITY_MISMATCH');
    expect(v.problems[0]?.message).toContain('mirror');
  });

  it('quarantines added, changed and first-ever install-time code; passes unchanged; approvals are pinned to the fingerprint', () => {
    const logged = { record: record(FP1, ['postinstall']), index: 1 };
    const added = decide(policy(), facts({ logged, previous: { version: '1.0.0', installCode: none } }));
    expect(added.problems.map((p) => p.code)).toEqual(['QUARANTINE_ADDED']);
    expect(added.problems[0]?.fix).toBe('sumgate approve pkg@1.1.0');
    const changed = decide(
      policy(),
      facts({
        logged,
        previous: { version: '1.0.0', installCode: { fingerprint: FP2, hooks: ['postinstall'] } },
      }),
    );
    expect(changed.problems.map((p) => p.code)).toEqual(['QUARANTINE_CHANGED']);
    const first = decide(
      policy(),
      facts({ logged, previous: { version: undefined, installCode: undefined } }),
    );
    expect(first.problems.map((p) => p.code)).toEqual(['QUARANTINE_FIRST']);
    const same = decide(policy(), facts({ logged, previous: { version: '1.0.0', installCode: post1 } }));
    expect(same.decision).toBe('verified');
    const approved = decide(
      policy({ approvals: [{ package: 'pkg@1.1.0', installCode: FP1 }] }),
      facts({ logged, previous: { version: '1.0.0', installCode: none } }),
    );
    expect(approved.decision).toBe('approved');
    const staleApproval = decide(
      policy({ approvals: [{ package: 'pkg@1.1.0', installCode: FP2 }] }),
      facts({ logged, previous: { version: '1.0.0', installCode: none } }),
    );
    expect(staleApproval.decision).toBe('refused');
    expect(staleApproval.problems[0]?.message).toContain('approval exists for other install code');
  });

  it('reports manifest confusion: metadata claims no scripts, the tarball has a postinstall', () => {
    const logged = { record: record(FP1, ['postinstall']), index: 1 };
    const v = decide(
      policy(),
      facts({
        logged,
        previous: { version: '1.0.0', installCode: none },
        metadata: { installHooks: [], publishedAt: undefined },
      }),
    );
    expect(v.problems.map((p) => p.code).sort()).toEqual(['MANIFEST_CONFUSION', 'QUARANTINE_ADDED']);
  });

  it('warn mode keeps the problems but lets the install go on; off mode does nothing', () => {
    const v = decide(policy({ mode: 'warn' }), facts({ logged: { absent: 'x' } }));
    expect(v.decision).toBe('verified');
    expect(v.problems[0]?.code).toBe('LOG_ABSENT');
    expect(decide(policy({ mode: 'off' }), facts({ logged: { absent: 'x' } })).decision).toBe('off');
  });

  it('exempts private patterns without the log, but still checks bytes against the lockfile', () => {
    const p = policy({ exempt: ['@corp/*'] });
    expect(decide(p, facts({ name: '@corp/ui', logged: undefined })).decision).toBe('exempt');
    const bad = decide(
      p,
      facts({
        name: '@corp/ui',
        logged: undefined,
        bytes: { integrity: OTHER, installCode: none, source: 'corp' },
      }),
    );
    expect(bad.problems[0]?.code).toBe('INTEGRITY_MISMATCH');
  });

  it('denies by name and by range', () => {
    expect(decide(policy({ deny: ['pkg@<1.1.0'] }), facts()).decision).toBe('verified');
    expect(decide(policy({ deny: ['pkg@^1.1.0'] }), facts()).problems[0]?.code).toBe('DENIED');
    expect(decide(policy({ deny: ['pkg'] }), facts()).problems[0]?.code).toBe('DENIED');
  });

  it('applies the release-age cooldown from the source metadata', () => {
    const now = new Date('2026-01-02T00:00:00Z');
    const p = policy({ minimumReleaseAgeMinutes: 60 });
    expect(
      decide(p, facts({ metadata: { installHooks: [], publishedAt: '2026-01-01T23:30:00Z' } }), now)
        .problems[0]?.code,
    ).toBe('TOO_NEW');
    expect(
      decide(p, facts({ metadata: { installHooks: [], publishedAt: '2026-01-01T22:00:00Z' } }), now).decision,
    ).toBe('verified');
  });

  it('fails closed when no source gave a publish time, naming the source, unless the policy allows it', () => {
    const now = new Date('2026-01-02T00:00:00Z');
    const refused = decide(
      policy({ minimumReleaseAgeMinutes: 60 }),
      facts({ metadata: { installHooks: [], publishedAt: undefined, source: 'mirror' } }),
      now,
    );
    expect(refused.decision).toBe('refused');
    expect(refused.problems[0]?.code).toBe('RELEASE_AGE_UNKNOWN');
    expect(refused.problems[0]?.message).toContain('source mirror gave no publish time');
    expect(
      decide(policy({ minimumReleaseAgeMinutes: 60 }), facts({ metadata: undefined }), now).problems[0]
        ?.message,
    ).toContain('no source answered');
    expect(
      decide(
        policy({ minimumReleaseAgeMinutes: 60 }),
        facts({ metadata: { installHooks: [], publishedAt: 'not a date', source: 'm' } }),
        now,
      ).problems[0]?.code,
    ).toBe('RELEASE_AGE_UNKNOWN');
    const allowed = decide(
      policy({ minimumReleaseAgeMinutes: 60, unknownReleaseAge: 'allow' }),
      facts({ metadata: undefined }),
      now,
    );
    expect(allowed.decision).toBe('verified');
    expect(allowed.notes.join()).toContain('release age unknown');
    expect(decide(policy(), facts({ metadata: undefined }), now).decision).toBe('verified');
  });

  it('requires registry signatures only when the policy says so', () => {
    expect(decide(policy(), facts()).notes.join()).toContain('no npm registry signature');
    expect(decide(policy({ requireRegistrySignatures: true }), facts()).problems[0]?.code).toBe(
      'REGISTRY_SIGNATURE',
    );
  });

  it('verifies a recorded npm registry signature with the keys it is given (the real typescript@5.4.5 vector)', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const vector = JSON.parse(
      readFileSync(path.resolve(here, '../vectors/npm-registry-signature.json'), 'utf8'),
    ) as {
      keys: Array<{ keyid: string; key: string; expires: string | null }>;
      vectors: Array<{
        name: string;
        version: string;
        integrity: string;
        signatures: Array<{ keyid: string; sig: string }>;
      }>;
    };
    const v = vector.vectors[0]!;
    const signed: NpmRecord = {
      name: v.name,
      version: v.version,
      integrity: v.integrity,
      installCode: { fingerprint: 'none', hooks: [] },
      signatures: v.signatures,
    };
    const f = { name: v.name, version: v.version, integrity: v.integrity, npmKeys: vector.keys };
    const ok = decide(policy(), { ...f, logged: { record: signed, index: 3 } });
    expect(ok.decision).toBe('verified');
    expect(ok.notes.join()).toContain('npm registry signature valid (SHA256:jl3bws');
    const forgedIntegrity = `sha512-${Buffer.alloc(64, 9).toString('base64')}`;
    const forged = decide(policy(), {
      ...f,
      integrity: forgedIntegrity,
      logged: { record: { ...signed, integrity: forgedIntegrity }, index: 3 },
    });
    expect(forged.problems[0]?.code).toBe('REGISTRY_SIGNATURE');
    expect(
      decide(policy(), { ...f, npmKeys: [], logged: { record: signed, index: 3 } }).notes.join(),
    ).toContain('no npm keys');
  });
});

describe('decide: a log whose records are v1 (install-code rules v1)', () => {
  const FP3 = `sha256-${'C'.repeat(42)}E=`;
  const v1rec = (fingerprint: string, hooks: string[]): NpmRecord => ({
    ...record(fingerprint, hooks),
    installCode: { fingerprint, hooks, rules: 1 },
  });
  const v1prev = (fingerprint: string, hooks: string[] = ['postinstall']) => ({
    version: '1.0.0',
    installCode: { fingerprint, hooks, rules: 1 as const },
  });
  const bytes = (fingerprint: string, v1: string) => ({
    integrity: SRI,
    installCode: { fingerprint, hooks: ['postinstall'], v1 },
    source: 'npm',
  });

  it('v1 record and v1 baseline, same v1 fingerprint: passes with a note saying the comparison is v1 (no false quarantine)', () => {
    const v = decide(
      policy(),
      facts({ logged: { record: v1rec(FP1, ['postinstall']), index: 7 }, previous: v1prev(FP1) }),
    );
    expect(v.decision).toBe('verified');
    expect(v.notes.join('\n')).toContain(
      'install-time code unchanged since 1.0.0 (compared under the install-code rules v1',
    );
  });

  it('bytes are checked against a v1 record with their v1 fingerprint, and compared with a v1 baseline under v1', () => {
    const ok = decide(
      policy(),
      facts({
        logged: { record: v1rec(FP1, ['postinstall']), index: 7 },
        bytes: bytes(FP3, FP1),
        previous: v1prev(FP1),
      }),
    );
    expect(ok.decision).toBe('verified');
    const forged = decide(
      policy(),
      facts({
        logged: { record: v1rec(FP1, ['postinstall']), index: 7 },
        bytes: bytes(FP1, FP2),
        previous: v1prev(FP1),
      }),
    );
    expect(forged.problems.map((p) => p.code)).toEqual(['LOG_MISMATCH']);
    expect(forged.problems[0]?.message).toContain('(v1 rules)');
  });

  it('a v2 version with a v1 baseline: compared under v1 from the bytes; without bytes it is held as uncomparable, never called changed or unchanged', () => {
    const changed = decide(
      policy(),
      facts({
        logged: { record: record(FP3, ['postinstall']), index: 7 },
        bytes: bytes(FP3, FP2),
        previous: v1prev(FP1),
      }),
    );
    expect(changed.problems.map((p) => p.code)).toEqual(['QUARANTINE_CHANGED']);
    expect(changed.problems[0]?.message).toContain('under the v1 rules the log recorded 1.0.0 with');
    const added = decide(
      policy(),
      facts({
        logged: { record: record(FP3, ['postinstall']), index: 7 },
        bytes: bytes(FP3, FP2),
        previous: v1prev('none', []),
      }),
    );
    expect(added.problems.map((p) => p.code)).toEqual(['QUARANTINE_ADDED']);
    const unknown = decide(
      policy(),
      facts({ logged: { record: record(FP3, ['postinstall']), index: 7 }, previous: v1prev(FP1) }),
    );
    expect(unknown.problems.map((p) => p.code)).toEqual(['QUARANTINE_UNCOMPARABLE']);
    expect(unknown.problems[0]?.message).toContain(
      'the log recorded 1.0.0 under the install-time code rules v1 and 1.1.0 under v2',
    );
  });
});

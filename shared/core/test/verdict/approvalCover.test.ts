import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../src/policy/loadPolicy.js';
import type { Approval, Policy } from '../../src/policy/policy.js';
import { coveringApproval } from '../../src/verdict/approvalCover.js';
import { decide } from '../../src/verdict/decide.js';

const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const FP1 = `sha256-${'A'.repeat(42)}E=`;
const FP2 = `sha256-${'B'.repeat(42)}E=`;
const SRI = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
const approval = (pkg: string, installCode = FP1): Approval => ({
  package: pkg,
  installCode,
  note: undefined,
});

function policy(approvals: Array<{ package: string; installCode: string }>): Policy {
  return parsePolicyText(
    JSON.stringify({ log: { url: 'http://127.0.0.1:9/', vkeys: [VKEY] }, approvals }),
    '/r/sumgate.jsonc',
  );
}

describe('approvals carry forward', () => {
  it('an approval covers later versions with the same fingerprint, the highest earlier approval first', () => {
    const list = [approval('pkg@1.0.1'), approval('pkg@1.0.3'), approval('other@1.0.0')];
    expect(coveringApproval(list, 'pkg', '1.0.5', FP1)).toEqual({ approval: list[1], carriedFrom: '1.0.3' });
    expect(coveringApproval(list, 'pkg', '1.0.3', FP1)).toEqual({
      approval: list[1],
      carriedFrom: undefined,
    });
  });

  it('never backwards, never for another fingerprint or another package', () => {
    const list = [
      approval('pkg@2.0.0'),
      approval('pkg@1.0.0', FP2),
      approval('pkg-x@1.0.0'),
      approval('@s/pkg@1.0.0'),
    ];
    expect(coveringApproval(list, 'pkg', '1.5.0', FP1)).toBeUndefined();
    expect(coveringApproval(list, 'pkg', '1.5.0', FP2)?.carriedFrom).toBe('1.0.0');
    expect(coveringApproval([approval('@s/pkg@1.0.0')], '@s/pkg', '1.1.0', FP1)?.carriedFrom).toBe('1.0.0');
    expect(coveringApproval([approval('@s/pkg@1.0.0')], 'pkg', '1.1.0', FP1)).toBeUndefined();
  });

  it('the verdict names the approval that covered it', () => {
    const v = decide(policy([{ package: 'pkg@1.0.1', installCode: FP1 }]), {
      name: 'pkg',
      version: '1.0.2',
      integrity: SRI,
      logged: {
        record: {
          name: 'pkg',
          version: '1.0.2',
          integrity: SRI,
          installCode: { fingerprint: FP1, hooks: ['postinstall'] },
          signatures: [],
        },
        index: 3,
      },
      previous: { version: '1.0.0', installCode: { fingerprint: 'none', hooks: [] } },
    });
    expect(v.decision).toBe('approved');
    expect(v.notes).toContain(
      `install-time code approved by the approval of pkg@1.0.1: the same install-time code (${FP1}), carried forward to later versions`,
    );
    const other = decide(policy([{ package: 'pkg@1.0.1', installCode: FP2 }]), {
      name: 'pkg',
      version: '1.0.2',
      integrity: SRI,
      logged: {
        record: {
          name: 'pkg',
          version: '1.0.2',
          integrity: SRI,
          installCode: { fingerprint: FP1, hooks: ['postinstall'] },
          signatures: [],
        },
        index: 3,
      },
      previous: { version: '1.0.0', installCode: { fingerprint: 'none', hooks: [] } },
    });
    expect(other.decision).toBe('refused');
    expect(other.problems[0]?.code).toBe('QUARANTINE_ADDED');
  });
});

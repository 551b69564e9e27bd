import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../src/policy/loadPolicy.js';
import { decide } from '../../src/verdict/decide.js';
import type { Facts } from '../../src/verdict/decide.js';

const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const FP1 = `sha256-${'A'.repeat(42)}E=`;
const FP2 = `sha256-${'B'.repeat(42)}E=`;
const SRI = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
const DAY = 86_400_000;
const NOW = new Date('2026-06-30T00:00:00.000Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();
const none = { fingerprint: 'none', hooks: [] };
const post = (fingerprint = FP1) => ({ fingerprint, hooks: ['postinstall'] });

const policy = (quarantine: unknown) =>
  parsePolicyText(
    JSON.stringify({ log: { url: 'http://127.0.0.1:9/', vkeys: [VKEY] }, quarantine }),
    '/r/sumgate.jsonc',
  );
const facts = (published: string, between: Facts['between'] = []): Facts => ({
  name: 'pkg',
  version: '1.0.2',
  integrity: SRI,
  logged: {
    record: { name: 'pkg', version: '1.0.2', integrity: SRI, installCode: post(), signatures: [], published },
    index: 3,
  },
  previous: { version: '1.0.0', installCode: none },
  between,
});

describe('quarantine.releaseAfterDays', () => {
  it('off by default: held', () => {
    expect(decide(policy(true), facts(ago(100)), NOW).decision).toBe('refused');
    expect(policy(true).releaseAfterDays).toBe(0);
  });

  it('releases code public and unchanged that long, counting from the first version in the run that has it', () => {
    const v = decide(
      policy({ releaseAfterDays: 3 }),
      facts(ago(1), [{ version: '1.0.1', publishedAt: ago(4), installCode: post() }]),
      NOW,
    );
    expect(v.decision).toBe('verified');
    expect(v.notes.join('\n')).toContain(
      'install-time code released by "quarantine.releaseAfterDays" (3): public and unchanged since 1.0.1, published 4 days ago',
    );
  });

  it('holds younger code and says when it will be released; a change in between restarts the clock', () => {
    const young = decide(policy({ releaseAfterDays: 3 }), facts(ago(1)), NOW);
    expect(young.decision).toBe('refused');
    expect(young.problems[0]?.message).toContain(
      `released on ${ago(-2)} by "quarantine.releaseAfterDays" if nobody approves it sooner`,
    );
    const changed = decide(
      policy({ releaseAfterDays: 3 }),
      facts(ago(1), [{ version: '1.0.1', publishedAt: ago(4), installCode: post(FP2) }]),
      NOW,
    );
    expect(changed.decision).toBe('refused');
  });

  it('an unknown publish time never releases', () => {
    const unknown: Facts = {
      ...facts(ago(10)),
      logged: {
        record: { name: 'pkg', version: '1.0.2', integrity: SRI, installCode: post(), signatures: [] },
        index: 3,
      },
    };
    expect(decide(policy({ releaseAfterDays: 3 }), unknown, NOW).decision).toBe('refused');
  });
});

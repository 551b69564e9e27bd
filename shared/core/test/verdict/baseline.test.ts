import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../src/policy/loadPolicy.js';
import { establishedBaseline, lowerOnTrack } from '../../src/verdict/baseline.js';
import type { VersionFacts } from '../../src/verdict/baseline.js';
import { decide } from '../../src/verdict/decide.js';

const VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const FP1 = `sha256-${'A'.repeat(42)}E=`;
const SRI = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
const HOUR = 3_600_000;
const T = Date.parse('2026-06-01T12:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();
const none = { fingerprint: 'none', hooks: [] };
const post = { fingerprint: FP1, hooks: ['postinstall'] };

function world(versions: Record<string, VersionFacts>) {
  const asked: string[] = [];
  return {
    asked,
    factsOf: async (v: string) => {
      asked.push(v);
      return versions[v]!;
    },
  };
}

describe('the established baseline', () => {
  const stone = {
    '1.0.0': { version: '1.0.0', publishedAt: at(T - 30 * 24 * HOUR), installCode: none },
    '1.0.1': { version: '1.0.1', publishedAt: at(T - HOUR), installCode: post },
  };

  it('skips versions published less than baselineDays before, and returns them oldest first', async () => {
    const w = world(stone);
    const b = await establishedBaseline('1.0.2', at(T), ['1.0.1', '1.0.0'], w.factsOf, 7);
    expect(b.version).toBe('1.0.0');
    expect(b.between.map((v) => v.version)).toEqual(['1.0.1']);
    expect(b.note).toBeUndefined();
    expect((await establishedBaseline('1.0.2', at(T), ['1.0.1', '1.0.0'], w.factsOf, 0)).version).toBe(
      '1.0.1',
    );
  });

  it('no version old enough: no baseline; unknown or shared times degrade to the preceding version with a note', async () => {
    const w = world({ ...stone, '1.0.0': { ...stone['1.0.0'], publishedAt: at(T - 2 * HOUR) } });
    const b = await establishedBaseline('1.0.2', at(T), ['1.0.1', '1.0.0'], w.factsOf, 7);
    expect(b.version).toBeUndefined();
    expect(b.between.map((v) => v.version)).toEqual(['1.0.0', '1.0.1']);
    const unknown = await establishedBaseline(
      '1.0.2',
      undefined,
      ['1.0.1', '1.0.0'],
      world(stone).factsOf,
      7,
    );
    expect(unknown).toMatchObject({ version: '1.0.1', between: [] });
    expect(unknown.note).toContain('the log has no publish time for 1.0.2');
    const shared = await establishedBaseline(
      '1.0.2',
      at(T),
      ['1.0.1', '1.0.0'],
      world({ ...stone, '1.0.1': { ...stone['1.0.1'], publishedAt: at(T) } }).factsOf,
      7,
    );
    expect(shared.version).toBe('1.0.1');
    expect(shared.note).toContain('2 versions share the publish time');
  });

  it('lowerOnTrack: a stable version is compared only with stable ones, highest first', () => {
    expect(lowerOnTrack('2.0.0', ['1.0.0', '2.0.0-beta.1', '1.5.0', '3.0.0', 'x'])).toEqual([
      '1.5.0',
      '1.0.0',
    ]);
    expect(lowerOnTrack('2.0.0-beta.2', ['1.0.0', '2.0.0-beta.1'])).toEqual(['2.0.0-beta.1', '1.0.0']);
  });

  it('the verdict is ADDED against the baseline and names where the code first appeared', () => {
    const p = parsePolicyText(
      JSON.stringify({ log: { url: 'http://127.0.0.1:9/', vkeys: [VKEY] } }),
      '/r/sumgate.jsonc',
    );
    const v = decide(p, {
      name: 'pkg',
      version: '1.0.2',
      integrity: SRI,
      logged: {
        record: {
          name: 'pkg',
          version: '1.0.2',
          integrity: SRI,
          installCode: post,
          signatures: [],
          published: at(T),
        },
        index: 3,
      },
      previous: { version: '1.0.0', installCode: none },
      between: [stone['1.0.1']],
    });
    expect(v.problems[0]?.code).toBe('QUARANTINE_ADDED');
    expect(v.problems[0]?.message).toBe(
      'pkg@1.0.2 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have; this install-time code first appeared in 1.0.1, published 60 minutes before 1.0.2; nothing was run',
    );
  });
});

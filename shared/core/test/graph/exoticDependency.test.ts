import { describe, expect, it } from 'vitest';
import { classifySpec } from '../../src/graph/dependencySpec.js';
import { dependencyEdges, judgeDependency } from '../../src/graph/exoticDependency.js';
import { judgeLockedExotic } from '../../src/graph/lockedExotic.js';
import { DEFAULT_POLICY } from '../../src/policy/policy.js';
import type { ExoticAllowance, Policy } from '../../src/policy/policy.js';
import { parsePolicyText } from '../../src/policy/loadPolicy.js';

const COMMIT = 'a'.repeat(40);
const SRI = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;

function policy(exotic: ExoticAllowance[] = []): Policy {
  return { ...DEFAULT_POLICY, file: '/w/sumgate.jsonc', sources: [], log: undefined, exotic };
}

const allow = (a: Partial<ExoticAllowance> & { package: string; spec: string }): ExoticAllowance => ({
  integrity: undefined,
  commit: undefined,
  transitive: false,
  note: undefined,
  ...a,
});

describe('classifySpec', () => {
  it.each([
    ['^1.2.3', 'registry'],
    ['latest', 'registry'],
    ['', 'registry'],
    ['npm:other@^2', 'registry'],
    ['catalog:', 'registry'],
    ['workspace:*', 'workspace'],
    ['https://example.com/x.tgz', 'tarball'],
    ['http://127.0.0.1:9/x-1.0.0.tgz', 'tarball'],
    ['git+https://example.com/x.git', 'git'],
    ['git+file:///tmp/repo', 'git'],
    ['git://h/x.git', 'git'],
    ['git@github.com:u/r.git', 'git'],
    ['github:user/repo', 'git'],
    ['user/repo', 'git'],
    ['user/repo#v1', 'git'],
    ['https://example.com/x.git#abc', 'git'],
    ['file:../x', 'local'],
    ['link:../x', 'local'],
    ['../x', 'local'],
    ['/abs/x', 'local'],
    ['~/x', 'local'],
    ['portal:../x', 'local'],
    ['jsr:@std/path', 'other'],
    ['weird:thing', 'other'],
  ])('%s is %s', (spec, kind) => {
    expect(classifySpec(spec).kind).toBe(kind);
  });

  it('reads the pinned commit (#<sha>, #commit=<sha>), never a branch or a short hash', () => {
    expect(classifySpec(`git+file:///r#${COMMIT}`).commit).toBe(COMMIT);
    expect(classifySpec(`u/r#commit=${COMMIT.toUpperCase()}`).commit).toBe(COMMIT);
    expect(classifySpec('git+file:///r#main').commit).toBeUndefined();
    expect(classifySpec('git+file:///r#abc1234').commit).toBeUndefined();
  });
});

describe('judgeDependency', () => {
  const edge = { parent: 'lib@1.0.0', alias: 'x', spec: 'https://t.example/x.tgz', direct: false };

  it('refuses an exotic dependency below the top level even when it is listed for direct use', () => {
    for (const p of [policy(), policy([allow({ package: 'x', spec: edge.spec, integrity: SRI })])]) {
      const j = judgeDependency(p, edge);
      expect(j.exotic && 'problem' in j && j.problem.code).toBe('EXOTIC_SOURCE');
      if (j.exotic && 'problem' in j)
        expect(j.problem.message).toContain(
          'x@https://t.example/x.tgz (a tarball URL, required by lib@1.0.0)',
        );
    }
    const transitive = judgeDependency(
      policy([allow({ package: 'x', spec: edge.spec, integrity: SRI, transitive: true })]),
      edge,
    );
    expect(transitive.exotic && 'allowance' in transitive).toBe(true);
  });

  it('allows a direct one only when exactly that name and specifier are listed', () => {
    const direct = { ...edge, parent: 'app', direct: true };
    expect('problem' in judgeDependency(policy(), direct)).toBe(true);
    expect(
      'problem' in
        judgeDependency(
          policy([allow({ package: 'x', spec: 'https://t.example/other.tgz', integrity: SRI })]),
          direct,
        ),
    ).toBe(true);
    expect(
      'allowance' in
        judgeDependency(policy([allow({ package: 'x', spec: edge.spec, integrity: SRI })]), direct),
    ).toBe(true);
  });

  it('leaves registry, workspace and in-workspace paths alone, and refuses a path outside the workspace', () => {
    expect(judgeDependency(policy(), { ...edge, spec: '^1.0.0' }).exotic).toBe(false);
    expect(judgeDependency(policy(), { ...edge, spec: 'workspace:^' }).exotic).toBe(false);
    const local = { parent: 'app', alias: 'x', direct: true, projectDir: '/w/packages/app' };
    expect(judgeDependency(policy(), { ...local, spec: 'link:../lib' }, '/w').exotic).toBe(false);
    expect('problem' in judgeDependency(policy(), { ...local, spec: 'file:../../../elsewhere' }, '/w')).toBe(
      true,
    );
    expect(
      'problem' in judgeDependency(policy(), { ...local, spec: 'link:../lib', direct: false }, '/w'),
    ).toBe(true);
  });

  it("reads edges from the dependency fields a package manager installs (a package's devDependencies are not installed)", () => {
    const m = {
      name: 'p',
      version: '1.0.0',
      dependencies: { a: '1' },
      optionalDependencies: { b: '2' },
      devDependencies: { c: '3' },
    };
    expect(dependencyEdges(m, false).map((e) => e.alias)).toEqual(['a', 'b']);
    expect(dependencyEdges(m, true).map((e) => e.alias)).toEqual(['a', 'c', 'b']);
  });
});

describe('judgeLockedExotic', () => {
  const entry = {
    depPath: 'g@git+file:///r',
    name: 'g',
    kind: 'git' as const,
    integrity: undefined,
    commit: COMMIT,
    location: 'file:///r',
  };
  const spec = `git+file:///r#${COMMIT}`;

  it('allows a locked git dependency only at the commit the policy pins, as a direct dependency with the listed specifier', () => {
    const p = policy([allow({ package: 'g', spec, commit: COMMIT })]);
    expect('allowance' in judgeLockedExotic(p, entry, new Map([['g', new Set([spec])]]))).toBe(true);
    expect('problem' in judgeLockedExotic(p, entry, new Map())).toBe(true);
    const moved = judgeLockedExotic(
      p,
      { ...entry, commit: 'b'.repeat(40) },
      new Map([['g', new Set([spec])]]),
    );
    expect('problem' in moved && moved.problem.code).toBe('EXOTIC_MISMATCH');
  });

  it('allows a locked tarball only with the pinned integrity', () => {
    const t = {
      depPath: 't@https://x/t.tgz',
      name: 't',
      kind: 'tarball' as const,
      integrity: SRI,
      commit: undefined,
      location: 'https://x/t.tgz',
    };
    const p = policy([allow({ package: 't', spec: 'https://x/t.tgz', integrity: SRI, transitive: true })]);
    expect('allowance' in judgeLockedExotic(p, t, new Map())).toBe(true);
    const other = judgeLockedExotic(
      p,
      { ...t, integrity: `sha512-${Buffer.alloc(64, 9).toString('base64')}` },
      new Map(),
    );
    expect('problem' in other && other.problem.code).toBe('EXOTIC_MISMATCH');
  });
});

describe('the "exotic" policy key', () => {
  const load = (exotic: unknown) =>
    parsePolicyText(
      JSON.stringify({ log: { url: 'http://127.0.0.1:1/', vkeys: ['l+01234567+AAAA'] }, exotic }),
      '/w/sumgate.jsonc',
      'http://127.0.0.1:2/',
    );

  it('requires a pin that fits the kind: integrity for a tarball, the commit the git specifier names', () => {
    expect(() => load([{ package: 'x', spec: 'https://t/x.tgz' }])).toThrow(/exotic\[0\]\.integrity/);
    expect(() => load([{ package: 'g', spec: 'git+file:///r#main', commit: COMMIT }])).toThrow(
      /exotic\[0\]\.spec/,
    );
    expect(() => load([{ package: 'g', spec: 'git+file:///r', commit: COMMIT }])).toThrow(
      /names the pinned commit/,
    );
    expect(() => load([{ package: 'r', spec: '^1.0.0' }])).toThrow(/registry versions need no entry/);
    expect(() => load([{ package: 'p', spec: 'file:../../elsewhere' }])).toThrow(/cannot be pinned/);
    expect(load([{ package: 'g', spec: `git+file:///r#${COMMIT}`, commit: COMMIT }]).exotic[0]).toMatchObject(
      { package: 'g', commit: COMMIT, transitive: false },
    );
  });
});

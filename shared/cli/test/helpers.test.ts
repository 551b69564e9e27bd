import { describe, expect, it } from 'vitest';
import { stripJsonComments } from '@sumgate/core';
import { diffLines, splitLines, unifiedHunks } from '../src/diff.js';
import { packageLockIntegrities } from '../src/lockfiles/packageLockIntegrity.js';
import { lockfileKind, parseLockedText } from '../src/lockfiles/readLocked.js';
import { yarnClassicIntegrities } from '../src/lockfiles/yarnClassicIntegrity.js';
import { mapLimit } from '../src/mapLimit.js';
import { parsePkgSpec } from '../src/pkgSpec.js';
import { addApproval } from '../src/policyEdit.js';
import { visible } from '../src/terminalText.js';

const FP = 'sha256-RPE+Q0eS8lfJSzZZMuYktHTLwhuRg/zsrWaJz2yiRps=';
const FP2 = 'sha256-F4Z//uaLlzJwz80xz5UkNsBuOYCL2IaiHxryOkG3VmI=';
const I1 = `sha512-${'A'.repeat(86)}==`;
const I2 = `sha512-${'B'.repeat(86)}==`;

describe('unified line diff', () => {
  it('gives hunks with context and correct ranges', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'];
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11', '12', '13'];
    expect(unifiedHunks(a, b)).toEqual([
      '@@ -2,7 +2,7 @@',
      ' 2',
      ' 3',
      ' 4',
      '-5',
      '+five',
      ' 6',
      ' 7',
      ' 8',
      '@@ -10,3 +10,4 @@',
      ' 10',
      ' 11',
      ' 12',
      '+13',
    ]);
    expect(unifiedHunks(a, a)).toEqual([]);
    expect(unifiedHunks([], ['x', 'y'])).toEqual(['@@ -0,0 +1,2 @@', '+x', '+y']);
    expect(unifiedHunks(['x'], [])).toEqual(['@@ -1 +0,0 @@', '-x']);
  });

  it('is a minimal edit script (LCS), reproducing both sides', () => {
    const a = splitLines('a\nb\nc\nd\ne\n');
    const b = splitLines('a\nc\nd\nx\ne\nb\n');
    const ops = diffLines(a, b);
    expect(ops.filter((o) => o.kind !== '+').map((o) => o.line)).toEqual(a);
    expect(ops.filter((o) => o.kind !== '-').map((o) => o.line)).toEqual(b);
    expect(ops.filter((o) => o.kind === ' ')).toHaveLength(4);
  });
});

describe('addApproval keeps the policy text and adds one entry', () => {
  const approval = { package: 'x@1.0.0', installCode: FP };
  /** The approvals of the edited text, parsed as the core parses JSONC (throws on a syntax error). */
  const valid = (text: string) => (JSON.parse(stripJsonComments(text)) as { approvals: unknown[] }).approvals;

  it('adds the key before the final brace when absent', () => {
    const text = '{\n  "mode": "warn" // why\n}\n';
    const r = addApproval(text, approval);
    expect(r.text).toBe(
      `{\n  "mode": "warn", // why\n  "approvals": [\n    { "package": "x@1.0.0", "installCode": "${FP}" }\n  ]\n}\n`,
    );
    expect(valid(r.text)).toEqual([approval]);
    expect(addApproval('{}', approval).text).toBe(
      `{\n  "approvals": [\n    { "package": "x@1.0.0", "installCode": "${FP}" }\n  ]\n}`,
    );
  });

  it('fills an empty array, appends after the last entry (with or without a trailing comma), and inline arrays', () => {
    const empty = addApproval('{\n  "approvals": [] // none yet\n}', approval).text;
    expect(empty).toBe(
      `{\n  "approvals": [\n    { "package": "x@1.0.0", "installCode": "${FP}" }\n  ] // none yet\n}`,
    );
    const one = `{\n\t"approvals": [\n\t\t{ "package": "a@1.0.0", "installCode": "${FP2}" } // first\n\t]\n}`;
    expect(addApproval(one, approval).text).toBe(
      `{\n\t"approvals": [\n\t\t{ "package": "a@1.0.0", "installCode": "${FP2}" }, // first\n\t\t{ "package": "x@1.0.0", "installCode": "${FP}" }\n\t]\n}`,
    );
    const trailing = `{ "approvals": [\n  { "package": "a@1.0.0", "installCode": "${FP2}" },\n] }`;
    expect(
      valid(addApproval(trailing, approval).text).map((a) => (a as { package: string }).package),
    ).toEqual(['a@1.0.0', 'x@1.0.0']);
    const inline = `{ "approvals": [{ "package": "a@1.0.0", "installCode": "${FP2}" }], "mode": "enforce" }`;
    expect(valid(addApproval(inline, { ...approval, note: 'n "q"' }).text)).toEqual([
      { package: 'a@1.0.0', installCode: FP2 },
      { package: 'x@1.0.0', installCode: FP, note: 'n "q"' },
    ]);
  });

  it('is not fooled by keys or brackets inside strings and comments, and never duplicates', () => {
    const tricky = `// "approvals": [ ]\n{\n  "deny": ["approvals]"], /* "approvals": [} */\n  "approvals": [\n    { "note": "]}", "package": "x@1.0.0", "installCode": "${FP}" }\n  ]\n}`;
    expect(addApproval(tricky, approval)).toEqual({ status: 'present', text: tricky });
    const other = addApproval(tricky, { package: 'y@2.0.0', installCode: FP2 });
    expect(other.status).toBe('added');
    expect(valid(other.text).map((a) => (a as { package: string }).package)).toEqual(['x@1.0.0', 'y@2.0.0']);
    expect(
      other.text.startsWith('// "approvals": [ ]\n{\n  "deny": ["approvals]"], /* "approvals": [} */'),
    ).toBe(true);
  });

  it('re-pins the same version to new install code in place', () => {
    const text = `{ "approvals": [ { "package": "x@1.0.0", "installCode": "${FP2}", "note": "old review" } ] }`;
    const r = addApproval(text, approval);
    expect(r.status).toBe('replaced');
    expect(r.text).toBe(text.replace(FP2, FP));
  });
});

describe('lockfile integrity', () => {
  it('pnpm-lock.yaml v9 and v6 keys, quoted scopes, peer suffixes, block resolutions, non-registry entries', () => {
    const text = `lockfileVersion: '9.0'
packages:

  '@s/a@1.0.0':
    resolution: {integrity: ${I1}}

  b@2.0.0(react@18.0.0):
    resolution: {integrity: ${I2}, tarball: https://r.test/b/-/b-2.0.0.tgz}
    engines: {node: '>=8'}

  c@1.0.0:
    resolution:
      integrity: '${I1} sha1-abc='

  d@git+https://x.test/d.git#abc:
    resolution: {type: git, repo: https://x.test/d.git, commit: abc}

snapshots:

  '@s/a@1.0.0': {}
`;
    const m = new Map(
      parseLockedText('pnpm-lock.yaml', 'pnpm-lock.yaml', text).entries.map((e) => [
        `${e.name}@${e.version}`,
        e,
      ]),
    );
    expect(m.get('@s/a@1.0.0')).toEqual({
      name: '@s/a',
      version: '1.0.0',
      integrity: I1,
      tarballUrl: undefined,
    });
    expect(m.get('b@2.0.0')).toEqual({
      name: 'b',
      version: '2.0.0',
      integrity: I2,
      tarballUrl: 'https://r.test/b/-/b-2.0.0.tgz',
    });
    expect(m.get('c@1.0.0')?.integrity).toBe(I1);
    expect([...m.keys()].some((k) => k.startsWith('d@'))).toBe(false);
    const v6 = parseLockedText(
      'pnpm-lock.yaml',
      'pnpm-lock.yaml',
      `lockfileVersion: '6.0'\npackages:\n  /e@1.0.0:\n    resolution: {integrity: ${I2}}\n`,
    );
    expect(v6.entries).toEqual([{ name: 'e', version: '1.0.0', integrity: I2, tarballUrl: undefined }]);
  });

  it('package-lock.json keeps distinct integrities of one version; sha1-only is undefined', () => {
    const m = packageLockIntegrities(
      JSON.stringify({
        packages: {
          '': {},
          'node_modules/a': { version: '1.0.0', integrity: I1 },
          'node_modules/x/node_modules/a': { version: '1.0.0', integrity: I2 },
          'node_modules/old': { version: '1.0.0', integrity: 'sha1-abc=' },
          'packages/ws': { version: '0.0.0' },
        },
      }),
    );
    expect([...m.get('a@1.0.0')!]).toEqual([I1, I2]);
    expect([...m.get('old@1.0.0')!]).toEqual([undefined]);
    expect(m.size).toBe(2);
  });

  it('yarn classic integrity lines; none for Berry', () => {
    const classic = `# yarn lockfile v1\n\n"@s/a@^1.0.0", "@s/a@^1.1.0":\n  version "1.2.0"\n  resolved "https://r.test/a.tgz"\n  integrity ${I1}\n`;
    expect([...yarnClassicIntegrities(classic)]).toEqual([['@s/a@1.2.0', I1]]);
    expect(yarnClassicIntegrities(`__metadata:\n  version: 8\n`).size).toBe(0);
    expect(lockfileKind('/x/yarn.lock')).toBe('yarn.lock');
    expect(() => lockfileKind('/x/Gemfile')).toThrow(/not a lockfile/);
  });
});

describe('small helpers', () => {
  it('parsePkgSpec takes exact versions, scoped names', () => {
    expect(parsePkgSpec('@s/a@1.0.0-rc.1')).toEqual({ name: '@s/a', version: '1.0.0-rc.1' });
    expect(() => parsePkgSpec('@s/a')).toThrow(/not <name>@<version>/);
    expect(() => parsePkgSpec('a@1')).toThrow(/not an exact version/);
  });

  it('visible() defuses terminal escapes and bidi overrides in package text', () => {
    expect(visible('ok\tfine')).toBe('ok\tfine');
    expect(visible('a\x1b[2Kb\rc')).toBe('a\\x1b[2Kb\\x0dc');
    expect(visible('x\u202ey')).toBe('x\\u202ey');
  });

  it('mapLimit bounds concurrency and keeps order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { parse } from 'acorn';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  canonicalInstallText,
  inspectTarball,
  installCodeOf,
  NO_INSTALL_CODE,
  pathTokens,
} from '../../src/inspect/installCode.js';
import { pkg, tar, tgz } from './tarWriter.js';

const manifest = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ name: 'demo', version: '1.0.0', ...extra });
const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');
const fingerprintOf = (files: Record<string, string>, root?: string): string =>
  inspectTarball(pkg(files, root)).installCode.fingerprint;

describe('inspectTarball: hooks', () => {
  it('no scripts -> none', () => {
    const { manifest: m, installCode } = inspectTarball(
      pkg({ 'package.json': manifest({ scripts: { test: 'vitest', build: 'tsc' } }), 'index.js': '' }),
    );
    expect(m['name']).toBe('demo');
    expect(installCode).toEqual({ hooks: [], files: [], fingerprint: NO_INSTALL_CODE, v1: NO_INSTALL_CODE });
  });

  it('postinstall: hook, the script file it runs, and the fingerprint of the canonical text', () => {
    const script = 'console.log("hi")';
    const { installCode } = inspectTarball(
      pkg({
        'package.json': manifest({ scripts: { postinstall: 'node ./install.js --quiet' } }),
        'install.js': script,
      }),
    );
    expect(installCode.hooks).toEqual([{ hook: 'postinstall', command: 'node ./install.js --quiet' }]);
    expect(installCode.files.map(({ path, sha256 }) => ({ path, sha256 }))).toEqual([
      { path: 'install.js', sha256: sha256Hex(script) },
    ]);
    // v2 hashes JavaScript as its syntax tree without positions or raw text
    const tree = JSON.stringify(
      parse(script, {
        ecmaVersion: 'latest',
        sourceType: 'script',
        allowHashBang: true,
        allowReturnOutsideFunction: true,
      }),
      (k, v: unknown) => (['start', 'end', 'raw'].includes(k) ? undefined : v),
    );
    const canonical = `sumgate-install-code/v2\nhook postinstall "node ./install.js --quiet"\nfile "install.js" ${sha256Hex(`js:${tree}`)}\n`;
    expect(canonicalInstallText(installCode)).toBe(canonical);
    expect(installCode.fingerprint).toBe(`sha256-${createHash('sha256').update(canonical).digest('base64')}`);
  });

  it('lists preinstall, install, postinstall in run order; empty and non-string scripts do not count', () => {
    const { installCode } = inspectTarball(
      pkg({
        'package.json': manifest({
          scripts: { postinstall: 'c', install: 'b', preinstall: 'a', prepare: 'd', prepublish: 'e' },
        }),
      }),
    );
    expect(installCode.hooks.map((h) => h.hook)).toEqual(['preinstall', 'install', 'postinstall']);
    const none = inspectTarball(
      pkg({ 'package.json': manifest({ scripts: { postinstall: '', install: 42, preinstall: null } }) }),
    );
    expect(none.installCode.fingerprint).toBe(NO_INSTALL_CODE);
    expect(
      inspectTarball(pkg({ 'package.json': manifest({ scripts: ['node x.js'] }) })).installCode.hooks,
    ).toEqual([]);
  });

  it('prepare counts only for git dependencies', () => {
    const t = pkg({ 'package.json': manifest({ scripts: { prepare: 'node build.js' } }), 'build.js': 'b' });
    expect(inspectTarball(t).installCode.fingerprint).toBe(NO_INSTALL_CODE);
    const git = inspectTarball(t, { gitDependency: true }).installCode;
    expect(git.hooks).toEqual([{ hook: 'prepare', command: 'node build.js' }]);
    expect(git.files.map((f) => f.path)).toEqual(['build.js']);
  });

  it('binding.gyp only -> implicit node-gyp rebuild, with binding.gyp hashed', () => {
    const { installCode } = inspectTarball(
      pkg({ 'package.json': manifest(), 'binding.gyp': '{"targets":[]}', 'src/a.cc': '' }),
    );
    expect(installCode.hooks).toEqual([{ hook: 'node-gyp', command: 'node-gyp rebuild' }]);
    expect(installCode.files.map(({ path, sha256 }) => ({ path, sha256 }))).toEqual([
      { path: 'binding.gyp', sha256: sha256Hex('{"targets":[]}') },
    ]);
    expect(fingerprintOf({ 'package.json': manifest(), 'binding.gyp': '{"targets":[1]}' })).not.toBe(
      installCode.fingerprint,
    );
  });

  it('binding.gyp with an install script -> no implicit node-gyp; a preinstall does not suppress it (Yarn 4 still builds)', () => {
    const install = inspectTarball(
      pkg({
        'package.json': manifest({ scripts: { install: 'node-pre-gyp install' } }),
        'binding.gyp': '{}',
      }),
    );
    expect(install.installCode.hooks.map((h) => h.hook)).toEqual(['install']);
    const pre = inspectTarball(
      pkg({
        'package.json': manifest({ scripts: { preinstall: 'node check.js' } }),
        'binding.gyp': '{}',
        'check.js': '',
      }),
    );
    expect(pre.installCode.hooks.map((h) => h.hook)).toEqual(['preinstall', 'node-gyp']);
    // postinstall does not suppress it
    const post = inspectTarball(
      pkg({ 'package.json': manifest({ scripts: { postinstall: 'node p.js' } }), 'binding.gyp': '{}' }),
    );
    expect(post.installCode.hooks.map((h) => h.hook)).toEqual(['node-gyp', 'postinstall']);
  });

  it('gypfile: false does not turn the implicit build off (pnpm 10 and Yarn 4 ignore it); binding.gyp must be at the root', () => {
    expect(fingerprintOf({ 'package.json': manifest({ gypfile: false }), 'binding.gyp': '{}' })).toBe(
      fingerprintOf({ 'package.json': manifest(), 'binding.gyp': '{}' }),
    );
    expect(fingerprintOf({ 'package.json': manifest({ gypfile: false }), 'binding.gyp': '{}' })).not.toBe(
      NO_INSTALL_CODE,
    );
    expect(fingerprintOf({ 'package.json': manifest({ gypfile: 'false' }), 'binding.gyp': '{}' })).not.toBe(
      NO_INSTALL_CODE,
    );
    expect(fingerprintOf({ 'package.json': manifest(), 'deps/binding.gyp': '{}' })).toBe(NO_INSTALL_CODE);
  });
});

describe('inspectTarball: fingerprint stability', () => {
  const base = {
    'package.json': manifest({ scripts: { postinstall: 'node install.js' } }),
    'install.js': 'good()',
    'README.md': 'v1',
  };

  it('changing the content of the install script changes the fingerprint', () => {
    expect(fingerprintOf({ ...base, 'install.js': 'evil()' })).not.toBe(fingerprintOf(base));
  });

  it('changing the command changes the fingerprint', () => {
    expect(
      fingerprintOf({ ...base, 'package.json': manifest({ scripts: { postinstall: 'node  install.js' } }) }),
    ).not.toBe(fingerprintOf(base));
  });

  it('same scripts, different unrelated files, other manifest fields, other root dir -> same fingerprint', () => {
    const other = fingerprintOf(
      {
        ...base,
        'README.md': 'v2',
        'lib/index.js': 'new',
        'package.json': manifest({
          version: '1.0.1',
          description: 'x',
          scripts: { postinstall: 'node install.js', test: 'x' },
        }),
      },
      'node-demo',
    );
    expect(other).toBe(fingerprintOf(base));
  });

  it('is deterministic regardless of archive order', () => {
    const entries = Object.entries(base).map(([p, content]) => ({ path: `package/${p}`, content }));
    expect(inspectTarball(tgz([...entries].reverse())).installCode).toEqual(
      inspectTarball(tgz(entries)).installCode,
    );
  });
});

describe('inspectTarball: files named by hooks', () => {
  it('finds files in sh, node, quoted, --opt=value and chained commands; resolves extensionless node paths', () => {
    const { installCode } = inspectTarball(
      pkg({
        'package.json': manifest({
          scripts: {
            preinstall: 'sh ./scripts/build.sh && node "tools/fetch.mjs"',
            install: 'node --require=./hooks/pre.cjs lib/install',
            postinstall: 'node -e "require(\'./post\')" || true; node missing.js',
          },
        }),
        'scripts/build.sh': '1',
        'tools/fetch.mjs': '2',
        'hooks/pre.cjs': '3',
        'lib/install/index.js': '4',
        'post.js': '5',
        'unrelated.js': '6',
      }),
    );
    expect(installCode.files.map((f) => f.path)).toEqual([
      'hooks/pre.cjs',
      'lib/install/index.js',
      'post.js',
      'scripts/build.sh',
      'tools/fetch.mjs',
    ]);
  });

  it('refuses a hook file behind a link: pnpm drops symlinks and Yarn drops hard links, so no reading of it is shared', () => {
    for (const type of ['1', '2']) {
      const t = tgz([
        { path: 'package/package.json', content: manifest({ scripts: { postinstall: 'node install.js' } }) },
        { path: 'package/lib/real.js', content: 'a' },
        { path: 'package/install.js', type, linkname: type === '1' ? 'package/lib/real.js' : 'lib/real.js' },
      ]);
      expect(() => inspectTarball(t, { pkg: 'linked@1.0.0' })).toThrow(
        expect.objectContaining({
          code: 'MALFORMED_TARBALL',
          message: expect.stringMatching(
            /^linked@1\.0\.0: malformed package tarball: entry "package\/install\.js" \(header at byte 2048\): a (hard|symbolic) link/,
          ),
        }),
      );
    }
  });

  it('ignores tokens that leave the package or name directories', () => {
    expect(pathTokens('node ../x.js /etc/passwd ./a/../b.js ok.js')).toEqual(['node', 'ok.js']);
    const { installCode } = inspectTarball(
      pkg({ 'package.json': manifest({ scripts: { install: 'node lib' } }), 'lib/a.js': '' }),
    );
    expect(installCode.files.map(({ path, sha256 }) => ({ path, sha256 }))).toEqual([]);
  });

  it('reads long-named hook files from pax and GNU L entries', () => {
    const long = `${'s'.repeat(90)}/${'t'.repeat(40)}.js`;
    for (const longName of ['pax', 'gnu'] as const) {
      const { installCode } = inspectTarball(
        tgz([
          { path: 'package/package.json', content: manifest({ scripts: { postinstall: `node ${long}` } }) },
          { path: `package/${long}`, content: 'x', longName },
        ]),
      );
      expect(installCode.files.map(({ path, sha256 }) => ({ path, sha256 }))).toEqual([
        { path: long, sha256: sha256Hex('x') },
      ]);
    }
  });
});

describe('installCodeOf', () => {
  it('agrees with inspectTarball', () => {
    const files = {
      'package.json': manifest({ scripts: { postinstall: 'node install.js' } }),
      'install.js': 'x',
      'binding.gyp': '{}',
    };
    const map = new Map(Object.entries(files).map(([p, c]) => [p, new TextEncoder().encode(c)]));
    const m = JSON.parse(files['package.json']) as Record<string, unknown>;
    expect(installCodeOf(m, map)).toEqual(inspectTarball(pkg(files)).installCode);
    expect(installCodeOf(m, map).hooks.map((h) => h.hook)).toEqual(['node-gyp', 'postinstall']);
  });
});

describe('inspectTarball refuses broken packages (MALFORMED_TARBALL)', () => {
  const refuse = (t: Uint8Array, message: RegExp): void => {
    expect(() => inspectTarball(t)).toThrow(
      expect.objectContaining({ code: 'MALFORMED_TARBALL', message: expect.stringMatching(message) }),
    );
  };

  it('missing package.json', () => refuse(pkg({ 'index.js': '' }), /no package\.json/));
  it('package.json not at the root', () =>
    refuse(pkg({ 'lib/package.json': manifest() }), /no package\.json/));
  it('package.json that is a directory', () =>
    refuse(tgz([{ path: 'package/package.json', type: '5' }]), /no package\.json/));
  it('invalid JSON', () => refuse(pkg({ 'package.json': '{"name":' }), /package\.json is not valid JSON/));
  it('not an object', () => refuse(pkg({ 'package.json': '["x"]' }), /not a JSON object/));
  it('invalid UTF-8', () =>
    refuse(pkg({ 'package.json': new Uint8Array([0x7b, 0xff, 0x7d]) }), /not valid UTF-8/));
  it('corrupt gzip', () => refuse(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]), /gzip/));
  it('bad header checksum', () =>
    refuse(tgz([{ path: 'package/package.json', content: manifest(), badChecksum: true }]), /checksum/));

  it('accepts a BOM before the JSON, as npm does', () => {
    expect(inspectTarball(pkg({ 'package.json': `\uFEFF${manifest()}` })).manifest['name']).toBe('demo');
  });
});

describe('inspectTarball performance', () => {
  /** Best-of-3 CPU time (less sensitive than wall time to other processes on a shared machine). */
  const cpuMs = (fn: () => unknown): number => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const start = process.cpuUsage();
      fn();
      const { user, system } = process.cpuUsage(start);
      best = Math.min(best, (user + system) / 1000);
    }
    return best;
  };

  it('fingerprints a ~5 MB tarball at little more than the cost of gunzip', () => {
    const entries = [
      { path: 'package/package.json', content: manifest({ scripts: { postinstall: 'node install.js' } }) },
      { path: 'package/install.js', content: 'x' },
    ];
    // base64 text of random bytes: gzips to ~76%, so ~6.7 MB of tar for ~5 MB of .tgz
    for (let i = 0; i < 400; i++)
      entries.push({ path: `package/dist/chunk-${i}.js`, content: randomBytes(12_500).toString('base64') });
    const t = gzipSync(tar(entries), { level: 1 });
    expect(t.length).toBeGreaterThan(4.5e6);
    expect(inspectTarball(t).installCode.files.map((f) => f.path)).toEqual(['install.js']);
    const gunzip = cpuMs(() => gunzipSync(t));
    const inspect = cpuMs(() => inspectTarball(t));
    console.log(
      `inspectTarball: ${(t.length / 1e6).toFixed(1)} MB .tgz, ${entries.length} files: ${inspect.toFixed(1)} ms CPU (gunzip alone ${gunzip.toFixed(1)} ms)`,
    );
    // Header parsing and hashing must stay small next to inflating: no copies, no extraction.
    expect(inspect).toBeLessThan(gunzip * 1.5 + 20);
  });
});

describe('inspectTarball: the v1 fingerprint of the same bytes (for v1 log records)', () => {
  it('is the v1 rule: only files named on the command line, no implicit build beside a preinstall or gypfile false', () => {
    const base = {
      'package.json': manifest({ scripts: { postinstall: 'node install.js' } }),
      'install.js': 'require("./lib")',
      'lib.js': 'a()',
    };
    const v1 = inspectTarball(pkg(base)).installCode.v1;
    expect(inspectTarball(pkg({ ...base, 'lib.js': 'evil()' })).installCode.v1).toBe(v1);
    expect(inspectTarball(pkg({ ...base, 'install.js': 'evil()' })).installCode.v1).not.toBe(v1);
    expect(
      inspectTarball(pkg({ 'package.json': manifest({ gypfile: false }), 'binding.gyp': '{}' })).installCode
        .v1,
    ).toBe(NO_INSTALL_CODE);
  });
});

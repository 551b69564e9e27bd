/** Install code v2: what a hook really runs (resolution, closure, node-gyp inputs, bins) and normalisation. */
import { describe, expect, it } from 'vitest';
import { inspectTarball } from '../../src/inspect/installCode.js';
import { pkg } from './tarWriter.js';

const manifest = (extra: Record<string, unknown> = {}, version = '1.0.0'): string =>
  JSON.stringify({ name: 'demo', version, ...extra });
const post = (command: string, extra: Record<string, unknown> = {}, version = '1.0.0'): string =>
  manifest({ scripts: { postinstall: command }, ...extra }, version);
const code = (files: Record<string, string>) => inspectTarball(pkg(files)).installCode;
const fp = (files: Record<string, string>): string => code(files).fingerprint;

describe('install code v2: the closure of what runs', () => {
  const base = {
    'package.json': post('node install/check.js'),
    'install/check.js': 'const l = require("../lib/libvips");\nl.check();\n',
    'lib/libvips.js': 'exports.check = () => 1;\n',
    'lib/other.js': 'x()',
  };

  it('a required helper is part of the install code (sharp 0.33.2 lib/libvips.js); an unrelated file is not', () => {
    expect(code(base).files.map((f) => f.path)).toEqual(['install/check.js', 'lib/libvips.js']);
    expect(fp({ ...base, 'lib/libvips.js': 'exports.check = () => evil();\n' })).not.toBe(fp(base));
    expect(fp({ ...base, 'lib/other.js': 'y()' })).toBe(fp(base));
  });

  it('follows import, export-from and import() with static specifiers, and bundled node_modules', () => {
    const files = {
      'package.json': post('node install.mjs'),
      'install.mjs':
        'import a from "./a.js"; export * from "./b.mjs"; await import("./c.js"); import "fs"; import "bundled";\n',
      'a.js': '',
      'b.mjs': '',
      'c.js': '',
      'node_modules/bundled/index.js': '',
      'd.js': '',
    };
    expect(code(files).files.map((f) => f.path)).toEqual([
      'a.js',
      'b.mjs',
      'c.js',
      'install.mjs',
      'node_modules/bundled/index.js',
    ]);
  });

  it('reads local exports without a source and require() with no argument (gatsby and nx crashed on `export { a }`)', () => {
    const files = {
      'package.json': post('node install.mjs'),
      'install.mjs': 'const a = 1;\nexport { a };\nexport default a;\nimport("./c.js");\n',
      'c.js': 'require();\n',
    };
    expect(code(files).files.map((f) => f.path)).toEqual(['c.js', 'install.mjs']);
  });

  it('`node lib` resolves as Node does: a new lib/package.json main is new install code', () => {
    const old = { 'package.json': post('node lib'), 'lib/index.js': 'ok()', 'lib/evil.js': 'evil()' };
    expect(code(old).files.map((f) => f.path)).toEqual(['lib/index.js']);
    const attacked = { ...old, 'lib/package.json': '{"main":"evil.js"}' };
    expect(code(attacked).files.map((f) => f.path)).toEqual(['lib/evil.js', 'lib/package.json']);
    expect(fp(attacked)).not.toBe(fp(old));
    // extensions in Node's order: lib.js before lib/ as a directory
    expect(
      code({ 'package.json': post('node lib'), 'lib.js': '', 'lib/index.js': '' }).files.map((f) => f.path),
    ).toEqual(['lib.js']);
  });

  it('a computed require widens the closure to its static folder, or to the whole package', () => {
    const files = {
      'package.json': post('node i.js'),
      'i.js': 'require("./plugins/" + name)',
      'plugins/a.js': 'a()',
      'other.js': 'o()',
    };
    const c = code(files);
    expect(c.files.map((f) => f.path)).toEqual(['i.js', 'plugins/a.js']);
    expect(c.widened).toEqual([
      {
        from: 'i.js',
        scope: 'plugins',
        reason: 'require() with a computed argument',
        expression: 'require("./plugins/" + name)',
        reaches: 'files starting "plugins/"',
        files: 1,
      },
    ]);
    const whole = code({
      ...files,
      'i.js': 'const r = require; r(x)',
      'README.md': 'docs',
      'types.d.ts': '',
    });
    // what Node can load: not docs, types or the root manifest (its install-relevant parts have their own
    // lines)
    expect(whole.files.map((f) => f.path)).toEqual(['i.js', 'other.js', 'plugins/a.js']);
    expect(whole.widened?.[0]?.scope).toBe('');
    expect(fp({ ...files, 'i.js': 'import(`./plugins/${n}`)', 'plugins/b.js': 'new()' })).not.toBe(
      fp({ ...files, 'i.js': 'import(`./plugins/${n}`)' }),
    );
  });

  it('widens a computed specifier only to what it can reach (esbuild, sharp, @swc/core)', () => {
    const paths = (files: Record<string, string>): string[] => code(files).files.map((f) => f.path);
    const m = post('node install.js');
    const lib = { 'lib/main.js': 'main()', 'lib/x.json': '{}', 'lib/sub/y.js': 'y()', 'other.js': 'o()' };
    // esbuild's install.js: require(path.join(__dirname, "package.json")) is the package's own manifest
    const esbuild = code({
      'package.json': m,
      'install.js': 'var path2 = require("path");\nconst p = require(path2.join(__dirname, "package.json"));',
      ...lib,
    });
    expect(esbuild.files.map((f) => f.path)).toEqual(['install.js', 'package.json']);
    expect(esbuild.widened?.[0]?.reaches).toBe('"./package.json", followed as a static specifier');
    // a constant prefix and suffix: only files under the prefix holding the suffix
    expect(paths({ 'package.json': m, 'install.js': 'require("./lib/" + name + ".js")', ...lib })).toEqual([
      'install.js',
      'lib/main.js',
      'lib/sub/y.js',
    ]);
    expect(
      paths({
        'package.json': m,
        'install.js': 'const path = require("node:path"); require(path.join(__dirname, "lib", name))',
        ...lib,
      }),
    ).toEqual(['install.js', 'lib/main.js', 'lib/sub/y.js', 'lib/x.json']);
    // sharp's `@img/sharp-${platform}/lib`: a dependency, so only bundled node_modules of that name
    const sharp = {
      'package.json': m,
      'install.js': 'require(`@img/sharp-${p}/lib`)',
      'node_modules/@img/sharp-linux/lib/index.js': 'n()',
      'node_modules/other/index.js': 'x()',
      ...lib,
    };
    expect(paths(sharp)).toEqual(['install.js', 'node_modules/@img/sharp-linux/lib/index.js']);
    // ...unless the text could name the package itself (`demo-${x}` does not, `de${x}` does)
    expect(paths({ ...sharp, 'install.js': 'require(`de${p}`)' })).toContain('other.js');
    // @swc/core's require(path.resolve(process.env.INIT_CWD, "package.json")): the project's file
    const swc = code({
      'package.json': m,
      'install.js':
        'const path = require("path"); require(path.resolve(process.env.INIT_CWD, "package.json"))',
      ...lib,
    });
    expect(swc.files.map((f) => f.path)).toEqual(['install.js']);
    expect(swc.widened?.[0]?.reaches).toContain('outside the package');
    // @swc/core's require(path.join(path.dirname(require.resolve("@swc/core")), "package.json")): its own
    // manifests only
    const self = {
      'package.json': manifest({ name: 'demo', scripts: { postinstall: 'node install.js' } }),
      'install.js':
        'const path = require("path"); require(path.join(path.dirname(require.resolve("demo")), "package.json"))',
      'lib/package.json': '{}',
      ...lib,
    };
    expect(paths(self)).toEqual(['install.js', 'lib/package.json', 'package.json']);
    expect(
      paths({
        ...self,
        'install.js':
          'const path = require("path"); require(path.join(path.dirname(require.resolve("other")), "package.json"))',
      }),
    ).toEqual(['install.js']);
  });

  it('a bare specifier naming the package itself is its own files, through `exports` (puppeteer install.mjs)', () => {
    const exports = {
      '.': './lib/main.js',
      './internal/*': { import: './lib/pkg/*', require: './lib/cjs/*' },
    };
    const files = {
      'package.json': manifest({ scripts: { postinstall: 'node install.mjs' }, exports }),
      'install.mjs': 'await import("demo/internal/node/install.js");\n',
      'lib/pkg/node/install.js': 'download()',
      'lib/cjs/node/install.js': 'download2()',
      'lib/other.js': 'o()',
    };
    expect(code(files).files.map((f) => f.path)).toEqual([
      '/package.json#exports',
      'install.mjs',
      'lib/cjs/node/install.js',
      'lib/pkg/node/install.js',
    ]);
    expect(fp({ ...files, 'lib/pkg/node/install.js': 'evil()' })).not.toBe(fp(files));
    expect(fp({ ...files, 'lib/other.js': 'evil()' })).toBe(fp(files));
    // what resolved it is name, main and exports: a new exports target is new code, a dependency range is not
    expect(
      fp({
        ...files,
        'package.json': manifest({
          scripts: { postinstall: 'node install.mjs' },
          exports: { ...exports, './internal/*': './lib/other.js' },
        }),
      }),
    ).not.toBe(fp(files));
    expect(
      fp({
        ...files,
        'package.json': manifest({
          scripts: { postinstall: 'node install.mjs' },
          exports,
          dependencies: {},
          devDependencies: { x: '^2' },
        }),
      }),
    ).toBe(fp(files));
    // without exports, the subpath is a path in the package
    expect(
      code({
        ...files,
        'package.json': post('node install.mjs'),
        'install.mjs': 'import "demo/lib/other.js";',
      }).files.map((f) => f.path),
    ).toEqual(['/package.json#exports', 'install.mjs', 'lib/other.js']);
  });

  it('trusts `path` and `__dirname` only when the file cannot have rebound them', () => {
    const paths = (src: string): string[] =>
      code({ 'package.json': post('node install.js'), 'install.js': src, 'evil.js': 'e()' }).files.map(
        (f) => f.path,
      );
    expect(paths('const path = require("path"); require(path.join(__dirname, "package.json"))')).toEqual([
      'install.js',
      'package.json',
    ]);
    expect(
      paths(
        'const path = require("path"); path = { join: () => "./evil.js" }; require(path.join(__dirname, "package.json"))',
      ),
    ).toContain('evil.js');
    expect(
      paths(
        'const path = require("path"); function f(path) { require(path.join(__dirname, "package.json")) }',
      ),
    ).toContain('evil.js');
    expect(paths('const __dirname = "x"; require(__dirname + "/package.json")')).toContain('evil.js');
    expect(
      paths('const path = require("path"); eval(s); require(path.join(__dirname, "package.json"))'),
    ).toContain('evil.js');
    expect(paths('const path = require("path"); require(path.join(p, "package.json"))')).toContain('evil.js');
  });

  it('a string literal equal to the package version is normalised; any other change is not', () => {
    const at = (version: string, src: string) =>
      fp({ 'package.json': post('node install.js', {}, version), 'install.js': src });
    expect(at('1.0.1', 'const V = "1.0.1"; download(V)')).toBe(at('1.0.2', 'const V = "1.0.2"; download(V)'));
    expect(at('1.0.1', 'const V = "1.0.1"; download(V)')).not.toBe(
      at('1.0.2', 'const V = "1.0.1"; download(V)'),
    );
    expect(at('1.0.1', 'const V = "1.0.1"; download(V)')).not.toBe(
      at('1.0.2', 'const V = "<version>"; download(V)'),
    );
    expect(at('1.0.1', 'download("1.0.1")')).not.toBe(at('1.0.2', 'evil("1.0.2")'));
  });

  it('a script path in a string literal (child_process.fork) is followed', () => {
    const files = {
      'package.json': post('node i.js'),
      'i.js': 'require("child_process").fork(__dirname + "/worker.js"); spawn("node", ["./w2.js"])',
      'worker.js': 'w()',
      'w2.js': 'w2()',
    };
    expect(code(files).files.map((f) => f.path)).toEqual(['i.js', 'w2.js', 'worker.js']);
  });

  it('a JavaScript file the parser cannot read is hashed as bytes and widens to the whole package', () => {
    const c = code({ 'package.json': post('node i.js'), 'i.js': 'this is not ( javascript', 'x.js': '' });
    expect(c.files.map((f) => f.path)).toContain('x.js');
    expect(c.widened?.[0]?.reason).toBe('JavaScript the parser cannot read');
  });

  it('scripts a hook runs through `npm run` are part of it', () => {
    const files = {
      'package.json': manifest({ scripts: { postinstall: 'npm run build', build: 'node b.js' } }),
      'b.js': 'b()',
    };
    expect(code(files).files.map((f) => f.path)).toEqual(['b.js']);
    expect(
      fp({
        ...files,
        'package.json': manifest({ scripts: { postinstall: 'npm run build', build: 'node b.js --evil' } }),
      }),
    ).not.toBe(fp(files));
  });
});

describe('install code v2: node-gyp', () => {
  it('gypfile: false beside binding.gyp is still the implicit build (pnpm 10 and Yarn 4 run it)', () => {
    expect(
      code({ 'package.json': manifest({ gypfile: false }), 'binding.gyp': '{}' }).hooks.map((h) => h.hook),
    ).toEqual(['node-gyp']);
  });

  it('an explicit `node-gyp rebuild` hashes binding.gyp and the .gypi it includes', () => {
    const files = {
      'package.json': manifest({ scripts: { install: 'node-gyp rebuild' } }),
      'binding.gyp': "{ 'includes': ['common.gypi'], 'targets': [] }",
      'common.gypi': '{}',
    };
    expect(code(files).files.map((f) => f.path)).toEqual(['binding.gyp', 'common.gypi']);
    expect(
      fp({ ...files, 'binding.gyp': "{ 'includes': ['common.gypi'], 'targets': [{'x': 1}] }" }),
    ).not.toBe(fp(files));
    expect(fp({ ...files, 'common.gypi': "{'evil': 1}" })).not.toBe(fp(files));
  });

  it('a gyp command expansion `<!(node x.js)` runs at configure time: x.js is hashed', () => {
    const files = {
      'package.json': manifest(),
      'binding.gyp': "{ 'variables': { 'v': '<!(node gen.js)' } }",
      'gen.js': 'g()',
    };
    expect(code(files).files.map((f) => f.path)).toEqual(['binding.gyp', 'gen.js']);
  });
});

describe('install code v2: dependency bins on the PATH', () => {
  it('a new dependency (its bin could be `node`) changes the install code; a range bump does not', () => {
    const files = {
      'package.json': post('node install.js', { dependencies: { a: '^1.0.0' } }),
      'install.js': 'i()',
    };
    expect(
      fp({
        ...files,
        'package.json': post('node install.js', { dependencies: { a: '^1.0.0', 'fake-node': '1.0.0' } }),
      }),
    ).not.toBe(fp(files));
    expect(fp({ ...files, 'package.json': post('node install.js', { dependencies: { a: '^1.2.0' } }) })).toBe(
      fp(files),
    );
  });
});

describe('install code v2: normalisation', () => {
  const files = {
    'package.json': post('node install.js'),
    'install.js': 'const a = require("./a");\nif (a) { run(a, "x"); }\n',
    'a.js': 'module.exports = 1',
  };

  it('formatting, quotes, semicolons, parentheses and comments do not change the fingerprint', () => {
    const reformatted =
      "// banner: (c) someone\n/* eslint-disable */\nconst a = require('./a')\nif (a) {\n  run(\n    a,\n    'x',\n  )\n}\n";
    expect(fp({ ...files, 'install.js': reformatted })).toBe(fp(files));
    expect(fp({ ...files, 'a.js': 'module.exports = (1); // one' })).toBe(fp(files));
  });

  it('any real change still does', () => {
    expect(fp({ ...files, 'install.js': files['install.js'].replace('"x"', '"y"') })).not.toBe(fp(files));
    expect(fp({ ...files, 'a.js': 'module.exports = 2' })).not.toBe(fp(files));
    expect(fp({ ...files, 'install.js': `"use strict";\n${files['install.js']}` })).not.toBe(fp(files));
  });

  it('a hook that requires its own package.json does not change with the version alone', () => {
    const at = (v: string, extra: Record<string, unknown> = {}) =>
      fp({
        'package.json': post('node p.js', extra, v),
        'p.js': 'console.log(require("./package.json").version)',
      });
    expect(at('1.0.1')).toBe(at('1.0.0'));
    expect(at('1.0.1', { optionalDependencies: { 'p-linux': '1.0.1' } })).toBe(
      at('1.0.0', { optionalDependencies: { 'p-linux': '1.0.0' } }),
    );
    expect(at('1.0.1', { optionalDependencies: { 'p-linux': '1.0.0' } })).not.toBe(
      at('1.0.0', { optionalDependencies: { 'p-linux': '1.0.0' } }),
    );
    expect(at('1.0.0', { binary: { host: 'evil' } })).not.toBe(at('1.0.0'));
  });

  it("the hook's own copy of the package version is normalised; another version is not", () => {
    const at = (v: string, cmd: string) => fp({ 'package.json': post(cmd, {}, v) });
    expect(at('1.11.1', 'napi-postinstall unrs-resolver 1.11.1 check')).toBe(
      at('1.11.2', 'napi-postinstall unrs-resolver 1.11.2 check'),
    );
    expect(at('1.11.2', 'napi-postinstall unrs-resolver 1.11.1 check')).not.toBe(
      at('1.11.2', 'napi-postinstall unrs-resolver 1.11.2 check'),
    );
    expect(at('1.1.1', 'x 11.1.1')).not.toBe(at('1.1.2', 'x 11.1.2')); // only a whole word is the version
  });
});

/**
 * Fixture packages for the install-code v2 attacks (issue 11 "Why"): each attacked version keeps
 * what the v1 fingerprint hashed unchanged and moves the payload (a marker script) to what really runs.
 * Labels: `<package>` is the payload's marker; `<package>-ok` the benign code's.
 */
import { markerScript } from '../harness/markers.js';
import type { FixturePackage } from '../harness/fixtureRegistry.js';

const HOUR = 3_600_000;

/**
 * A bin that appends the marker whether it is run by sh (pnpm's shim execs a file without a shebang
 * and sh runs it) or by node (Yarn runs bins with Node): line 1 is `//bin/true; ...` for sh and a
 * comment for JavaScript. No shebang: a `#!/usr/bin/env node` bin named `node` would call itself.
 */
function shellMarker(markerDir: string, label: string): string {
  return `//bin/true; mkdir -p '${markerDir}'; echo ${label} >> '${markerDir}/${label}.ran'; exit 0\n${markerScript(markerDir, label)}`;
}

export function attackPackages(markerDir: string, now = Date.now()): FixturePackage[] {
  const ok = (label: string) => markerScript(markerDir, `${label}-ok`);
  const evil = (label: string) => markerScript(markerDir, label);
  const post = (command: string, extra: Record<string, unknown> = {}) => ({
    scripts: { postinstall: command },
    ...extra,
  });
  return [
    // sharp 0.33.2: the helper install/check.js requires changed, the entry did not
    {
      name: 'helper-change',
      versions: [
        {
          version: '1.0.0',
          packageJson: post('node install/check.js'),
          files: {
            'install/check.js': 'require("../lib/helper.js");\n',
            'lib/helper.js': ok('helper-change'),
          },
        },
        {
          version: '1.1.0',
          packageJson: post('node install/check.js'),
          files: {
            'install/check.js': 'require("../lib/helper.js");\n',
            'lib/helper.js': evil('helper-change'),
          },
        },
      ],
    },
    // `node lib`: 1.1.0 adds lib/package.json whose main is evil.js
    {
      name: 'dir-main',
      versions: [
        { version: '1.0.0', packageJson: post('node lib'), files: { 'lib/index.js': ok('dir-main') } },
        {
          version: '1.1.0',
          packageJson: post('node lib'),
          files: {
            'lib/index.js': ok('dir-main'),
            'lib/package.json': '{"main":"evil.js"}\n',
            'lib/evil.js': evil('dir-main'),
          },
        },
      ],
    },
    // "gypfile": false beside a binding.gyp: pnpm 10 and Yarn 4 run node-gyp anyway
    {
      name: 'gyp-off',
      versions: [
        { version: '1.0.0' },
        {
          version: '1.1.0',
          packageJson: { gypfile: false },
          files: {
            'binding.gyp': "{ 'variables': { 'x': '<!(node gen.js)' }, 'targets': [] }\n",
            'gen.js': evil('gyp-off'),
          },
        },
      ],
    },
    // an explicit `node-gyp rebuild` whose binding.gyp changes
    {
      name: 'gyp-explicit',
      versions: [
        {
          version: '1.0.0',
          packageJson: { scripts: { install: 'node-gyp rebuild' } },
          files: { 'binding.gyp': "{ 'targets': [] }\n", 'gen.js': evil('gyp-explicit') },
        },
        {
          version: '1.1.0',
          packageJson: { scripts: { install: 'node-gyp rebuild' } },
          files: {
            'binding.gyp': "{ 'variables': { 'x': '<!(node gen.js)' }, 'targets': [] }\n",
            'gen.js': evil('gyp-explicit'),
          },
        },
      ],
    },
    // an unchanged `node install.js` plus a new dependency whose bin is `node`
    {
      name: 'bin-node',
      versions: [
        { version: '1.0.0', packageJson: post('node install.js'), files: { 'install.js': ok('bin-node') } },
        {
          version: '1.1.0',
          packageJson: post('node install.js', { dependencies: { 'fake-node': '1.0.0' } }),
          files: { 'install.js': ok('bin-node') },
        },
      ],
    },
    // puppeteer's install.mjs: the real installer is imported by the package's own name, through exports
    {
      name: 'self-import',
      versions: [
        {
          version: '1.0.0',
          packageJson: post('node install.mjs', {
            exports: { './internal/*': './lib/*', './package.json': './package.json' },
          }),
          files: {
            'install.mjs': 'await import("self-import/internal/install.js");\n',
            'lib/install.js': ok('self-import'),
          },
        },
        {
          version: '1.1.0',
          packageJson: post('node install.mjs', {
            exports: { './internal/*': './lib/*', './package.json': './package.json' },
          }),
          files: {
            'install.mjs': 'await import("self-import/internal/install.js");\n',
            'lib/install.js': evil('self-import'),
          },
        },
      ],
    },
    // asking for nothing (unrs-resolver, core-js): the hook and its code carry the version, reformatted
    {
      name: 'reformat',
      versions: [
        {
          version: '1.0.0',
          packageJson: post('node install.js reformat 1.0.0 check'),
          files: { 'install.js': `const VERSION = "1.0.0";\n${ok('reformat')}` },
        },
        {
          version: '1.1.0',
          packageJson: post('node install.js reformat 1.1.0 check'),
          files: { 'install.js': `// reformatted, new banner\nconst VERSION = '1.1.0'\n\n${ok('reformat')}` },
        },
      ],
    },
    // Yarn 4 adds `node-gyp@latest` to a package whose scripts name node-gyp: the registry must have one
    {
      name: 'node-gyp',
      versions: [
        {
          version: '10.0.0',
          packageJson: { bin: { 'node-gyp': 'bin.sh' } },
          files: { 'bin.sh': shellMarker(markerDir, 'node-gyp-bin') },
        },
      ],
    },
    {
      name: 'fake-node',
      versions: [
        {
          version: '1.0.0',
          packageJson: { bin: { node: 'bin/node' } },
          files: { 'bin/node': shellMarker(markerDir, 'bin-node') },
        },
      ],
    },
    // the stepping stone: 1.0.1 adds a postinstall, 1.0.2 (an hour later) keeps it; both older than
    // pnpm 12's and Yarn's built-in one-day release-age gates, both within sumgate's 7-day baseline
    {
      name: 'stepping-stone',
      versions: [
        { version: '1.0.0', publishedAt: new Date(now - 30 * 24 * HOUR).toISOString() },
        {
          version: '1.0.1',
          packageJson: post('node install.js'),
          files: { 'install.js': evil('stepping-stone') },
          publishedAt: new Date(now - 49 * HOUR).toISOString(),
        },
        {
          version: '1.0.2',
          packageJson: post('node install.js'),
          files: { 'install.js': evil('stepping-stone') },
          publishedAt: new Date(now - 48 * HOUR).toISOString(),
        },
      ],
    },
  ];
}

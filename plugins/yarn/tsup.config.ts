import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

/**
 * One file Yarn can load with `yarn plugin import`: `module.exports = {name, factory(require)}`,
 * where `require` is the one Yarn hands to plugins. That require reaches only Node builtins and the
 * modules Yarn exposes (@yarnpkg/*, clipanion, typanion, semver, built-in plugins), so those stay
 * external and everything else is bundled: @sumgate/core from source, and semver too, so
 * verdicts do not depend on the host's copy. No timestamps, no paths: the same sources give the
 * same bytes. The first line names the package and version.
 */
const PLUGIN_NAME = '@yarnpkg/plugin-sumgate';
const GLOBAL = '__sumgatePlugin';
const manifest = JSON.parse(
  readFileSync(fileURLToPath(new URL('package.json', import.meta.url)), 'utf8'),
) as { name: string; version: string; license: string };

export default defineConfig({
  entry: { 'plugin-sumgate': 'src/index.ts' },
  outDir: 'bundles/@yarnpkg',
  format: ['iife'],
  globalName: GLOBAL,
  platform: 'node',
  target: 'node20',
  clean: true,
  minify: false,
  sourcemap: false,
  splitting: false,
  dts: false,
  outExtension: () => ({ js: '.js' }),
  noExternal: ['@sumgate/core', 'semver'],
  esbuildOptions(options) {
    options.alias = {
      '@sumgate/core': fileURLToPath(new URL('../../shared/core/src/index.ts', import.meta.url)),
    };
    // esbuild's own list: tsup's `external` is overridden by its dependency heuristics here.
    options.external = ['@yarnpkg/*', 'clipanion', 'typanion'];
    options.legalComments = 'none';
    options.charset = 'utf8';
  },
  banner: {
    js: `/*! ${manifest.name} ${manifest.version} (${manifest.license}): sumgate for Yarn 4 */\n/* eslint-disable */\n//prettier-ignore\nmodule.exports = {\nname: ${JSON.stringify(PLUGIN_NAME)},\nfactory: function (require) {`,
  },
  footer: { js: `return ${GLOBAL};\n}\n};` },
});

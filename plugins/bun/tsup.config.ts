import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const manifest = JSON.parse(
  readFileSync(fileURLToPath(new URL('package.json', import.meta.url)), 'utf8'),
) as { name: string; version: string; license: string };

// One self-contained ESM file (the core bundled): Bun loads the scanner from the project's
// node_modules and it must run with nothing else installed.
export default defineConfig({
  entry: { scanner: 'src/scanner.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  splitting: false,
  noExternal: [/.*/],
  banner: {
    js: `/*! ${manifest.name} ${manifest.version} (${manifest.license}): sumgate for Bun */\nimport { createRequire as __sumgateCreateRequire } from 'node:module'; const require = __sumgateCreateRequire(import.meta.url);`,
  },
});

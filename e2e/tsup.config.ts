import { defineConfig } from 'tsup';

// The demo bundled into one file so `npm run demo` runs it with plain Node.
export default defineConfig({
  entry: { demo: 'demo/run.ts' },
  format: ['esm'],
  outDir: 'dist',
  platform: 'node',
  target: 'node20',
  clean: true,
  splitting: false,
  noExternal: [/^@sumgate\//],
  banner: {
    js: "import { createRequire as __sumgateCreateRequire } from 'node:module'; const require = __sumgateCreateRequire(import.meta.url);",
  },
});

import { defineConfig } from 'tsup';

// The log server as a child process runs from one bundle of the current sources, the core's
// included (resolved to its sources by the root tsconfig's paths), so it needs no built dist.
export default defineConfig({
  entry: ['src/serveMain.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  noExternal: ['@sumgate/core'],
  silent: true,
});

import { defineConfig } from 'tsup';

// The library with its one dependency (semver) bundled in: it installs from any registry with
// nothing else there, and verdicts do not depend on the host's copy of semver.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  noExternal: ['semver', 'acorn'],
});

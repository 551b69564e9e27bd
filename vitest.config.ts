import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run against the sources: the workspace packages resolve to their src/ entry points.
const alias = {
  '@sumgate/core': fileURLToPath(new URL('./shared/core/src/index.ts', import.meta.url)),
  '@sumgate/log': fileURLToPath(new URL('./shared/log/src/index.ts', import.meta.url)),
};

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          globalSetup: ['scripts/testTmpdir.ts'],
          include: ['shared/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          globalSetup: ['scripts/testTmpdir.ts'],
          include: ['e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Real package managers on a 2-core machine: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});

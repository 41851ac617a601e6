import { defineConfig } from 'vitest/config';

// End-to-end tests: the real binary (CALSYNC_BIN) on its embedded default,
// driven in Debian's Chromium by playwright-core. Each file starts its own
// Calsync; two files run at once.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});

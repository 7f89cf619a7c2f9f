import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // The suite-wide secret-leak check: test/helpers/leaks.ts explains how the two parts work together.
    globalSetup: ['test/helpers/leak-global.ts'],
    setupFiles: ['test/helpers/leak-setup.ts'],
  },
});

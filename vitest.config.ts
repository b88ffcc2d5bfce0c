import { defineConfig } from 'vitest/config';

// Unit tests (*.test.ts) are pure; integration tests (*.itest.ts) talk to the real local stack.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          // Some unit tests run real data through PGlite or child processes; a loaded 2-core machine needs room.
          testTimeout: 60_000,
          exclude: ['node_modules/**', 'dist/**', '.stack/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.itest.ts'],
          exclude: ['node_modules/**', 'dist/**', '.stack/**'],
          // Starts the local stack (scripts/stack up) unless NEXURAL_EXTERNAL_SERVICES=1; leaves it running.
          globalSetup: ['test/stack-setup.ts'],
          // Files share the services and the machine's two cores: one file at a time keeps timings honest.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

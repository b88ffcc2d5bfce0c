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
          exclude: ['node_modules/**', 'dist/**', '.stack/**'],
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Integration tests start real processes; two at a time fit a 2-core machine.
    maxWorkers: 2,
    pool: 'forks',
    projects: [
      {
        test: { ...shared, name: 'sqlite', include: ['test/**/*.test.ts'], env: { GALE_TEST_DB: 'sqlite' } },
      },
      {
        // The same integration tests against a real PostgreSQL server that the project starts.
        test: {
          ...shared,
          name: 'postgres',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/bench-smoke.test.ts'],
          env: { GALE_TEST_DB: 'postgres' },
          globalSetup: ['test/support/postgres-setup.ts'],
        },
      },
    ],
  },
});

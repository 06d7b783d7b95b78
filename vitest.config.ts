import { defineConfig } from 'vitest/config';

const shared = {
  // Integration tests start many processes (each CLI command is one); with the container image
  // and kube-apiserver builds beside them in CI, a 2-core machine runs them slowly.
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // expect.poll waits for services that run beside the tests; 1 s (vitest's default) is too
  // short on a loaded 2-core machine (a run's state follows its tasks' by a scheduler loop)
  expect: { poll: { timeout: 20_000, interval: 100 } },
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
          // the harness's smoke test, and the kubernetes executor (the scheduler's database work is the
          // same as for every executor; its own state lives in the Kubernetes API), and podTask's
          // kubernetes engine (the same: its state is the pod's)
          exclude: [
            'test/integration/bench-smoke.test.ts',
            'test/integration/kubernetes-executor.test.ts',
            'test/integration/pod-task-kubernetes.test.ts',
            'test/integration/container-trigger-cleanup.test.ts',
          ],
          env: { GALE_TEST_DB: 'postgres' },
          globalSetup: ['test/support/postgres-setup.ts'],
        },
      },
    ],
  },
});

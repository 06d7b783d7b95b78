/** Global setup of the postgres test project: one PostgreSQL server for all its test files. */
import type { TestProject } from 'vitest/node';
import { type PostgresServer, startPostgres } from './postgres-server.js';

let server: PostgresServer | null = null;

export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  project.provide('galeTestPostgresUrl', server.adminUrl);
}

export function teardown(): void {
  server?.stop();
  server = null;
}

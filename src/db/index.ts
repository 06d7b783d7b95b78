/** The metadata database: connection, migrations, and one repository module per table group. */
export * from './audit-repository.js';
export * from './connection.js';
export * from './dag-repository.js';
export * from './dag-run-repository.js';
export * from './dialect.js';
export * from './import-error-repository.js';
export * from './job-repository.js';
export * from './migrate.js';
export * from './pool-repository.js';
export * from './rendered-fields-repository.js';
export type * from './schema.js';
export * from './task-instance-repository.js';
export * from './time.js';
export * from './try-result-repository.js';
export * from './user-repository.js';
export * from './worker-repository.js';
export * from './xcom-repository.js';

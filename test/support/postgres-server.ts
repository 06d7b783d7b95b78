/** The test suite's PostgreSQL server: the one `npm run bench` starts too (src/bench/services). */
export { freePort, type PostgresServer, startPostgres } from '../../src/bench/services/index.js';

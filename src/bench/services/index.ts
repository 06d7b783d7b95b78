/** Private PostgreSQL and Redis servers for the benchmark and the test suite (loopback, throwaway). */
export { freePort } from './free-port.js';
export { type PostgresServer, startPostgres } from './postgres-server.js';
export { type RedisServer, startRedis } from './redis-server.js';

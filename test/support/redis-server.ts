/** The test suite's Redis server: the one `npm run bench` starts too (src/bench/services). */
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedis } from '../../src/bench/services/index.js';

export { type RedisServer, startRedis };

/** A Redis server for the tests of the enclosing describe(): started before them, killed after. */
export function useRedis(): RedisServer {
  let server: RedisServer | null = null;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.kill();
  });
  const started = (): RedisServer => {
    if (!server) throw new Error('Redis is started in beforeAll: use it inside a test');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get port() {
      return started().port;
    },
    kill: () => started().kill(),
    start: () => started().start(),
  };
}

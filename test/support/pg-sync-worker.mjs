// The worker thread behind test-db.ts: runs PostgreSQL queries for tests that read the metadata
// database synchronously (as they do with better-sqlite3), through synckit.
import pg from 'pg';
import { runAsWorker } from 'synckit';

const types = {
  getTypeParser(oid, format) {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return Number;
    return pg.types.getTypeParser(oid, format);
  },
};
const clients = new Map();

async function client(url) {
  let c = clients.get(url);
  if (!c) {
    c = new pg.Client({ connectionString: url, types });
    c.on('error', () => clients.delete(url));
    await c.connect();
    clients.set(url, c);
  }
  return c;
}

runAsWorker(async (op) => {
  if (op.kind === 'close') {
    const c = clients.get(op.url);
    clients.delete(op.url);
    await c?.end();
    return null;
  }
  const result = await (await client(op.url)).query(op.sql, op.params);
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
});

/**
 * The API's per-DAG access helper on a real Fastify app and a real SQLite database: a limited
 * caller's routes with a dag_id answer 404 for DAGs outside the set (as for a DAG that does not
 * exist), `~` passes, lists filter through onlyVisible, the visible DAGs are read once per
 * request, and an unrestricted caller or an Admin costs no query at all.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from '#kysely';
import { onlyVisible, registerDagAccess, visibleDags } from '../../../src/api/dag-access.js';
import { roleDagAccess } from '../../../src/api/roles.js';
import { type Database, type GaleDb, migrate, openDatabase } from '../../../src/db/index.js';
import { type DagAccess, GaleError } from '../../../src/models/index.js';
import { insertDagRow } from '../../support/dag-rows.js';

const DAGS: [string, string[], string][] = [
  ['ledger', ['finance'], '/dags/finance.ts'],
  ['payroll', ['finance', 'hr'], '/dags/finance.ts'],
  ['cleanup', [], '/dags/ops.ts'],
  ['finance_like', ['financial'], '/dags/ops.ts'],
];

async function seed(db: Kysely<Database>): Promise<void> {
  for (const [dagId, tags, fileloc] of DAGS) await insertDagRow(db, { dagId, fileloc, tags });
}

describe('per-DAG access in the API', () => {
  let gdb: GaleDb;
  let app: FastifyInstance;
  let queries: string[];

  beforeEach(async () => {
    gdb = openDatabase('sqlite://:memory:');
    await migrate(gdb.db, { defaultPoolSlots: 1 });
    await seed(gdb.db);
    queries = [];
    // count the queries this test's requests make: a Kysely on the same connection with a logger
    const counted = gdb.db.withPlugin({
      transformQuery: (args) => {
        if (args.node.kind === 'SelectQueryNode') queries.push('select');
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    app = Fastify();
    app.decorateRequest('caller', null);
    app.setErrorHandler((error, _request, reply) =>
      reply.code(error instanceof GaleError ? 404 : 500).send({ code: (error as GaleError).code }),
    );
    app.addHook('onRequest', async (request) => {
      const header = request.headers['x-access'];
      const role = String(request.headers['x-role'] ?? 'Viewer');
      const stored: DagAccess = header
        ? (JSON.parse(String(header)) as DagAccess)
        : { dagIds: null, dagTags: null };
      request.caller = { username: 'u', role: role as 'Viewer', dagAccess: roleDagAccess(role, stored) };
    });
    registerDagAccess(app, counted);
    app.get('/dags/:dag_id', async (request) => ({ dag_id: (request.params as { dag_id: string }).dag_id }));
    app.get('/dags', async (request) => {
      const rows = await counted
        .selectFrom('dag')
        .select('dag_id')
        .where(await onlyVisible(request, counted, 'dag_id'))
        .orderBy('dag_id')
        .execute();
      // a second use in the same request reads nothing again
      await visibleDags(request, counted);
      return rows.map((r) => r.dag_id);
    });
    app.get('/files', async (request) => {
      const visible = await visibleDags(request, counted);
      return visible === null ? null : [...visible.filelocs].sort();
    });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    await gdb.close();
  });

  const get = (url: string, access?: DagAccess, role = 'Viewer') =>
    app.inject({
      method: 'GET',
      url,
      headers: { 'x-role': role, ...(access ? { 'x-access': JSON.stringify(access) } : {}) },
    });
  const finance: DagAccess = { dagIds: null, dagTags: ['finance'] };

  it.each([
    ['a tag: only its DAGs, and a similar tag is not the tag', finance, ['ledger', 'payroll']],
    ['ids: only those', { dagIds: ['cleanup'], dagTags: null }, ['cleanup']],
    ['ids and tags: the union', { dagIds: ['cleanup'], dagTags: ['hr'] }, ['cleanup', 'payroll']],
    ['empty lists: nothing', { dagIds: [], dagTags: [] }, []],
    [
      'unrestricted: every DAG',
      { dagIds: null, dagTags: null },
      ['cleanup', 'finance_like', 'ledger', 'payroll'],
    ],
  ] as [string, DagAccess, string[]][])('lists filter by the access: %s', async (_name, access, expected) => {
    const res = await get('/dags', access);
    expect(res.json()).toEqual(expected);
  });

  it('an Admin sees every DAG whatever is stored, without an extra query', async () => {
    const res = await get('/dags', finance, 'Admin');
    expect(res.json()).toEqual(['cleanup', 'finance_like', 'ledger', 'payroll']);
    expect(queries).toEqual(['select']);
  });

  it('a limited caller reads the visible DAGs once per request', async () => {
    await get('/dags', finance);
    expect(queries).toEqual(['select', 'select']);
  });

  it('a DAG outside the set answers as a DAG that does not exist; "~" passes', async () => {
    expect((await get('/dags/cleanup', finance)).json()).toEqual({ code: 'GALE_ERR_DAG_NOT_FOUND' });
    expect((await get('/dags/nope', finance)).statusCode).toBe(404);
    expect((await get('/dags/ledger', finance)).json()).toEqual({ dag_id: 'ledger' });
    expect((await get('/dags/~', finance)).json()).toEqual({ dag_id: '~' });
    expect((await get('/dags/cleanup')).json()).toEqual({ dag_id: 'cleanup' });
  });

  it("the visible files are the visible DAGs' files", async () => {
    expect((await get('/files', finance)).json()).toEqual(['/dags/finance.ts']);
    expect((await get('/files', { dagIds: ['cleanup'], dagTags: null })).json()).toEqual(['/dags/ops.ts']);
    expect((await get('/files')).json()).toBeNull();
  });
});

/**
 * SQLite's query plans of the statements Gale sends: a Kysely plugin records each statement's
 * operation tree (changing nothing), and a second, read-only connection to the same file explains
 * each one compiled with its parameters. For tests that hold a hot statement to an index.
 */
import BetterSqlite3 from 'better-sqlite3';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  RootOperationNode,
} from '#kysely';
import type { GaleDb } from '../../src/db/index.js';

/** Records each statement's operation tree as Kysely sends it (a plugin that changes nothing). */
class StatementRecorder implements KyselyPlugin {
  readonly nodes: { node: RootOperationNode; queryId: PluginTransformQueryArgs['queryId'] }[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push({ node: args.node, queryId: args.queryId });
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

export interface StatementPlan {
  sql: string;
  /** the plan's lines (EXPLAIN QUERY PLAN's detail column) */
  plan: string[];
}

/** The plan of each statement `run` sent through the database it is given (an SQLite GaleDb). */
export async function sqlitePlansOf(
  gdb: GaleDb,
  run: (db: GaleDb['db']) => Promise<unknown>,
): Promise<StatementPlan[]> {
  const recorder = new StatementRecorder();
  const db = gdb.db.withPlugin(recorder);
  await run(db);
  const reader = new BetterSqlite3(gdb.url.replace(/^sqlite:\/\//, ''), { readonly: true });
  try {
    return recorder.nodes.map(({ node, queryId }) => {
      const compiled = db.getExecutor().compileQuery(node, queryId);
      const rows = reader
        .prepare(`explain query plan ${compiled.sql}`)
        .all(...(compiled.parameters as unknown[])) as { detail: string }[];
      return { sql: compiled.sql, plan: rows.map((r) => r.detail) };
    });
  } finally {
    reader.close();
  }
}

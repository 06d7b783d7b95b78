/**
 * The `gale` command with bad configuration and bad arguments: it fails fast with a message that
 * names the problem and no stack trace. Also the small commands' happy paths: config, version,
 * info, help, pools and `dags show -o dot`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, type GaleHome, makeGaleHome, waitFor } from '../support/gale-home.js';

type CliResult = ReturnType<GaleHome['gale']>;

/** A user error: the given exit code, a message matching `message` on stderr, and no stack trace. */
function expectUserError(r: CliResult, code: number, message: RegExp): void {
  const all = `stdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect(r.code, all).toBe(code);
  expect(r.stderr, all).toMatch(message);
  expect(r.stderr, all).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(r.stderr, all).not.toContain('Unexpected error');
}

function migrated(g: GaleHome): GaleHome {
  const r = g.gale(['db', 'migrate']);
  expect(r.code, r.stderr).toBe(0);
  return g;
}

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(CLI, '../../../package.json'), 'utf8')) as { version: string }
).version;

describe('gale with bad configuration', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a setting with a bad value in the environment fails naming the variable', () => {
    g = makeGaleHome();
    const r = g.gale(['dags', 'list'], { GALE__CORE__PARALLELISM: 'abc' });
    expectUserError(r, 1, /Invalid value "abc" for GALE__CORE__PARALLELISM/);
  });

  it.each([
    {
      value: 'local,celery',
      says: /GALE__CORE__EXECUTOR: unknown executor "celery"; Gale's executors are local, queue/,
    },
    { value: 'local,local', says: /GALE__CORE__EXECUTOR: executor "local" is listed twice/ },
    { value: '', says: /GALE__CORE__EXECUTOR: name at least one executor/ },
  ])('gale scheduler with core.executor $value fails at once saying what to fix', ({ value, says }) => {
    g = migrated(makeGaleHome());
    const r = g.gale(['scheduler'], { GALE__CORE__EXECUTOR: value });
    expectUserError(r, 1, says);
    expect(r.stderr).toMatch(/hint: core\.executor: /);
  });

  it.each(['GALE__CORE__NO_SUCH_KEY', 'GALE__NOSECTION__X'])(
    'an unknown setting %s in the environment fails naming it',
    (name) => {
      g = makeGaleHome();
      const r = g.gale(['dags', 'list'], { [name]: '1' });
      expectUserError(r, 1, new RegExp(`Unknown setting ${name}\\b`));
    },
  );

  it('a gale.yaml with an unknown key fails naming the key and the file', () => {
    g = makeGaleHome();
    writeFileSync(join(g.home, 'gale.yaml'), 'core:\n  parallelism: 4\n  no_such_key: 1\n');
    const r = g.gale(['dags', 'list']);
    expectUserError(r, 1, /Unknown setting core\.no_such_key .*gale\.yaml/);
  });

  it('a gale.yaml with a bad value fails naming the setting', () => {
    g = makeGaleHome();
    writeFileSync(join(g.home, 'gale.yaml'), 'core:\n  parallelism: 0\n');
    const r = g.gale(['dags', 'list']);
    expectUserError(r, 1, /Invalid value 0 for core\.parallelism/);
  });

  it('a gale.yaml that is not valid YAML fails naming the file', () => {
    g = makeGaleHome();
    writeFileSync(join(g.home, 'gale.yaml'), 'core:\n  parallelism: [4\n');
    const r = g.gale(['dags', 'list']);
    expectUserError(r, 1, /gale\.yaml is not valid YAML/);
  });

  it('commands other than db migrate and standalone ask for gale db migrate on a new database', () => {
    g = makeGaleHome();
    expectUserError(g.gale(['dags', 'list']), 1, /gale db migrate/);
    expectUserError(g.gale(['pools', 'list']), 1, /gale db migrate/);
  });

  it('an unreachable PostgreSQL fails with the URL (password hidden) and what to check, without a stack trace', () => {
    g = makeGaleHome({ GALE__DATABASE__URL: 'postgresql://gale:s3cret-pw@127.0.0.1:1/gale' });
    for (const args of [['dags', 'list'], ['db', 'migrate'], ['scheduler']]) {
      const r = g.gale(args);
      expectUserError(
        r,
        1,
        /Cannot use the metadata database at postgresql:\/\/gale:\*\*\*@127\.0\.0\.1:1\/gale/,
      );
      expect(r.stderr).toContain('GALE__DATABASE__URL');
      expect(r.stderr + r.stdout).not.toContain('s3cret-pw');
    }
  });

  it('gale db check fails before gale db migrate and passes after', () => {
    g = makeGaleHome();
    expectUserError(g.gale(['db', 'check']), 1, /Missing migrations: 0001-initial[\s\S]*gale db migrate/);
    migrated(g);
    const r = g.gale(['db', 'check']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('up to date');
  });
});

describe('gale with bad arguments', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('an unknown command exits 2 naming it', () => {
    g = makeGaleHome();
    expectUserError(g.gale(['nosuch']), 2, /unknown command 'nosuch'/);
    expectUserError(g.gale(['dags', 'nosuch']), 2, /unknown command 'nosuch'/);
  });

  it('an unknown option exits 2 naming it', () => {
    g = makeGaleHome();
    expectUserError(g.gale(['dags', 'list', '--bogus']), 2, /unknown option '--bogus'/);
  });

  it('a missing argument exits 2 naming it', () => {
    g = makeGaleHome();
    expectUserError(g.gale(['dags', 'trigger']), 2, /missing required argument 'dag_id'/);
  });

  // Arguments are checked before the database is opened: these would otherwise ask for a migration.
  it.each([
    [['dags', 'list']],
    [['dags', 'list-import-errors']],
    [['pools', 'list']],
    [['config', 'list']],
    [['info']],
  ])('gale %j --output xml fails naming --output', (command) => {
    g = makeGaleHome();
    expectUserError(g.gale([...command, '--output', 'xml']), 1, /--output must be .*not "xml"/);
  });

  it('triggering a DAG that does not exist fails with "No DAG with id"', () => {
    g = migrated(makeGaleHome());
    expectUserError(g.gale(['dags', 'trigger', 'no_such_dag']), 1, /No DAG with id "no_such_dag"/);
  });

  it('gale tasks clear without --yes asks for --yes', () => {
    g = makeGaleHome();
    expectUserError(g.gale(['tasks', 'clear', 'd']), 1, /Add --yes to confirm/);
  });

  it('gale pools set with slots that are not a whole number >= 0 fails naming them and creates no pool', () => {
    g = migrated(makeGaleHome());
    for (const slots of ['-1', 'abc', '1.5']) {
      expectUserError(g.gale(['pools', 'set', 'p', slots]), 1, new RegExp(`slots .*"${slots}"`));
    }
    expect(g.db().prepare("select pool from slot_pool where pool = 'p'").all()).toEqual([]);
  });

  it('gale config get of an unknown setting fails naming it', () => {
    g = makeGaleHome();
    expectUserError(g.gale(['config', 'get', 'core.nosuch']), 1, /Unknown setting core\.nosuch/);
  });
});

describe('gale config, version, info and help', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('gale config get and list show a value from the environment, and list --show-source says where it came from', () => {
    g = makeGaleHome();
    writeFileSync(join(g.home, 'gale.yaml'), 'core:\n  max_active_runs_per_dag: 3\n');
    const env = { GALE__CORE__PARALLELISM: '7' };
    const get = g.gale(['config', 'get', 'core.parallelism'], env);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toBe('7\n');

    const list = g.gale(['config', 'list', '--show-source', '-o', 'json'], env);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as { name: string; value: unknown; source: string }[];
    const row = (name: string) => rows.find((r) => r.name === name);
    expect(row('core.parallelism')).toEqual({ name: 'core.parallelism', value: 7, source: 'env' });
    expect(row('core.max_active_runs_per_dag')).toEqual({
      name: 'core.max_active_runs_per_dag',
      value: 3,
      source: 'file',
    });
    expect(row('core.default_timezone')).toEqual({
      name: 'core.default_timezone',
      value: 'UTC',
      source: 'default',
    });

    const table = g.gale(['config', 'list', '--show-source'], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^core\.parallelism\s+\|\s+7\s+\|\s+env$/m);
  });

  it('gale version and gale --version print the package version', () => {
    g = makeGaleHome();
    for (const args of [['version'], ['--version']]) {
      const r = g.gale(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${PACKAGE_VERSION}\n`);
    }
  });

  it('gale info and gale config get show several executors as written, the default first', () => {
    g = makeGaleHome({ GALE__CORE__EXECUTOR: 'queue, local' });
    const info = g.gale(['info', '-o', 'json']);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ executor: 'queue,local' });
    const get = g.gale(['config', 'get', 'core.executor']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toBe('queue,local\n');
  });

  it('gale info shows the home, DAG folder, database and executor in use', () => {
    g = makeGaleHome();
    const r = g.gale(['info', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      gale_version: PACKAGE_VERSION,
      node_version: process.version,
      gale_home: g.home,
      dag_folders: g.dags,
      logs_folder: join(g.home, 'logs'),
      executor: 'local',
      database: g.dbUrl,
    });
    const table = g.gale(['info']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^gale_home\s+: .+$/m);
  });

  it.each([
    [
      [],
      [
        'standalone',
        'scheduler',
        'dag-processor',
        'dags',
        'tasks',
        'pools',
        'db',
        'config',
        'version',
        'info',
      ],
    ],
    [
      ['dags'],
      ['list', 'show', 'trigger', 'pause', 'unpause', 'test', 'list-runs', 'list-import-errors', 'delete'],
    ],
    [['tasks'], ['list', 'test', 'state', 'clear', 'states-for-dag-run']],
    [['pools'], ['list', 'set', 'delete']],
    [['db'], ['migrate', 'check', 'reset']],
    [['config'], ['list', 'get']],
  ])('gale %j --help lists its commands', (group, commands) => {
    g = makeGaleHome();
    const r = g.gale([...group, '--help']);
    expect(r.code, r.stderr).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]);
    for (const command of commands) expect(listed, r.stdout).toContain(command);
  });
});

describe('gale pools and dags show', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('gale pools set, list and delete create, change, show and remove a pool', () => {
    g = migrated(makeGaleHome());
    const set = g.gale(['pools', 'set', 'etl', '3', 'for the ETL tasks']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('Pool etl: 3 slots\n');
    const list = () => {
      const r = g.gale(['pools', 'list', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { pool: string; slots: number; occupied: number; description: string }[];
    };
    expect(list()).toEqual([
      { pool: 'default_pool', slots: 128, occupied: 0, description: 'Default pool' },
      { pool: 'etl', slots: 3, occupied: 0, description: 'for the ETL tasks' },
    ]);

    expect(g.gale(['pools', 'set', 'etl', '5', 'more']).code).toBe(0);
    expect(list()).toContainEqual({ pool: 'etl', slots: 5, occupied: 0, description: 'more' });
    expect(g.gale(['pools', 'list']).stdout).toMatch(/^etl\s+\|\s+5\s+\|\s+0\s+\|\s+more$/m);

    const del = g.gale(['pools', 'delete', 'etl']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toBe('Deleted pool etl\n');
    expect(list().map((p) => p.pool)).toEqual(['default_pool']);
    expectUserError(g.gale(['pools', 'delete', 'etl']), 1, /No pool named "etl"/);
    expectUserError(g.gale(['pools', 'delete', 'default_pool']), 1, /default_pool cannot be deleted/);
  });

  it('gale dags show -o dot prints the DAG as a Graphviz digraph', async () => {
    g = withParsedDag(migrated(makeGaleHome()));
    await waitForParsedDag(g);
    const r = g.gale(['dags', 'show', 'shape', '-o', 'dot']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('digraph "shape" {');
    expect(lines.at(-1)).toBe('}');
    expect(lines.slice(1, -1).sort()).toEqual(
      [
        '  rankdir=LR;',
        '  "extract";',
        '  "clean";',
        '  "check";',
        '  "load";',
        '  "extract" -> "clean";',
        '  "extract" -> "check";',
        '  "clean" -> "load";',
        '  "check" -> "load";',
      ].sort(),
    );
  });

  it('gale dags show with an unknown --output names every format it accepts, dot included', async () => {
    g = withParsedDag(migrated(makeGaleHome()));
    await waitForParsedDag(g);
    expectUserError(
      g.gale(['dags', 'show', 'shape', '-o', 'xml']),
      1,
      /--output must be table, json or dot, not "xml"/,
    );
  });
});

function withParsedDag(g: GaleHome): GaleHome {
  g.writeDag(
    'shape.ts',
    `import { dag, task, chain } from 'gale/sdk';
dag({ dagId: 'shape' }, () => {
  const t = (id: string) => task(id, () => id)();
  chain(t('extract'), [t('clean'), t('check')], t('load'));
});
`,
  );
  return g;
}

/** Runs the DAG processor until DAG "shape" is stored. */
async function waitForParsedDag(g: GaleHome): Promise<void> {
  const processor = g.start(['dag-processor']);
  await waitFor(() => g.db().prepare("select 1 from dag where dag_id = 'shape'").get(), {
    intervalMs: 250,
    what: 'DAG "shape" to be parsed',
    seen: () => processor.output().slice(-2000),
  });
  await processor.stop();
}

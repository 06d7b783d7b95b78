/**
 * Variables and connections: managed from the CLI and the API (Op only), stored encrypted (the
 * database holds no value in clear), passwords never returned, secret-looking variables masked,
 * and `gale rotate-fernet-key` re-encrypts everything with a new key.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateFernetKey } from '../../src/db/index.js';
import { login } from '../support/api-client.js';
import { type GaleHome, makeGaleHome, TEST_SECRET_KEY, waitFor } from '../support/gale-home.js';

describe('variables and connections', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  // 24 CLI commands, each a new process: minutes on a loaded 2-core CI machine
  it('are managed from the CLI and the API, encrypted at rest, with secrets never shown', {
    timeout: 240_000,
  }, async () => {
    const key1 = generateFernetKey();
    g = makeGaleHome({ GALE__CORE__FERNET_KEY: key1, GALE__API__SECRET_KEY: TEST_SECRET_KEY });
    expect(g.gale(['db', 'migrate']).code).toBe(0);

    // CLI
    expect(g.gale(['variables', 'set', 'region', 'eu-west-1', '-d', 'where we run']).code).toBe(0);
    expect(g.gale(['variables', 'set', 'db_password', '-'], {}, 'hunter2\n').code).toBe(0);
    expect(g.gale(['variables', 'get', 'db_password']).stdout).toBe('hunter2\n');
    const add = g.gale([
      'connections',
      'add',
      'warehouse',
      '--conn-uri',
      'postgres://etl:s3cr%40t@db.example:5433/dw?sslmode=require',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const shown = JSON.parse(g.gale(['connections', 'get', 'warehouse', '-o', 'json']).stdout)[0];
    expect(shown).toMatchObject({
      conn_type: 'postgres',
      host: 'db.example',
      port: 5433,
      login: 'etl',
      schema: 'dw',
      password: '***',
    });
    const missing = g.gale(['variables', 'get', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('gale variables set nope');
    // import and export, as Airflow's JSON files
    writeFileSync(join(g.home, 'vars.json'), JSON.stringify({ team: 'data', limits: { rows: 5 } }));
    expect(g.gale(['variables', 'import', join(g.home, 'vars.json')]).stdout).toContain('Imported 2');
    expect(g.gale(['variables', 'get', 'limits']).stdout).toBe('{"rows":5}\n');
    expect(g.gale(['variables', 'export', join(g.home, 'out.json')]).code).toBe(0);
    expect(JSON.parse(readFileSync(join(g.home, 'out.json'), 'utf8'))).toEqual({
      db_password: 'hunter2',
      limits: '{"rows":5}',
      region: 'eu-west-1',
      team: 'data',
    });
    expect(g.gale(['variables', 'delete', 'team']).code).toBe(0);
    expect(g.gale(['variables', 'delete', 'limits']).code).toBe(0);
    const badImport = g.gale(['variables', 'import', join(g.home, 'nope.json')]);
    expect(badImport.code).toBe(1);
    expect(badImport.stderr).toContain('is not a readable JSON file');
    const noKey = g.gale(['variables', 'set', 'x', 'y'], { GALE__CORE__FERNET_KEY: '' });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('GALE__CORE__FERNET_KEY');

    // nothing in clear in the database
    const dump = JSON.stringify([
      g.db().prepare('select * from variable').all(),
      g.db().prepare('select * from connection').all(),
    ]);
    for (const secret of ['hunter2', 'eu-west-1', 's3cr@t', 'sslmode']) expect(dump).not.toContain(secret);

    // API: Op manages, Viewer is refused, passwords never come back
    for (const [user, role] of [
      ['op', 'Op'],
      ['viewer', 'Viewer'],
    ] as const) {
      const r = g.gale(
        ['users', 'create', '-u', user, '--role', role, '--password-stdin'],
        {},
        'pw-123456789\n',
      );
      expect(r.code, r.stderr).toBe(0);
    }
    const api = g.start(['api-server']);
    const base = await waitFor(() => /API server on (http:\/\/localhost:\d+)/.exec(api.output())?.[1], {
      what: 'the API server',
      seen: () => api.output(),
    });
    const op = await login(base, 'op', 'pw-123456789');
    const viewer = await login(base, 'viewer', 'pw-123456789');
    expect((await viewer('GET', '/api/v2/variables')).status).toBe(403);
    const list = await op<{ variables: { key: string; value: string }[]; total_entries: number }>(
      'GET',
      '/api/v2/variables',
    );
    expect(list.body.total_entries).toBe(2);
    expect(list.body.variables).toEqual([
      expect.objectContaining({ key: 'db_password', value: '***' }),
      expect.objectContaining({ key: 'region', value: 'eu-west-1', description: 'where we run' }),
    ]);
    expect((await op('POST', '/api/v2/variables', { key: 'region', value: 'x' })).status).toBe(409);
    expect((await op('POST', '/api/v2/variables', { key: 'bad key!', value: 'x' })).status).toBe(422);
    expect((await op('POST', '/api/v2/variables', { key: 'batch_size', value: '500' })).status).toBe(201);
    expect(
      (await op('PATCH', '/api/v2/variables/batch_size', { key: 'batch_size', value: '800' })).body,
    ).toMatchObject({ value: '800' });
    expect((await op('DELETE', '/api/v2/variables/batch_size')).status).toBe(204);
    expect((await op('GET', '/api/v2/variables/batch_size')).status).toBe(404);

    const conn = await op<Record<string, unknown>>('GET', '/api/v2/connections/warehouse');
    expect(conn.body).toMatchObject({
      connection_id: 'warehouse',
      password: '***',
      extra: '{"sslmode":"require"}',
    });
    expect(conn.text).not.toContain('s3cr@t');
    const created = await op('POST', '/api/v2/connections', {
      connection_id: 'api_http',
      conn_type: 'http',
      host: 'api.example',
      password: 'tok-abc',
      extra: '{"api_key": "k-123", "timeout": 5}',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.text).not.toContain('tok-abc');
    expect(created.text).not.toContain('k-123');
    // a PATCH without the password keeps it
    const patched = await op('PATCH', '/api/v2/connections/api_http', {
      connection_id: 'api_http',
      conn_type: 'http',
      host: 'api2.example',
    });
    expect(patched.body).toMatchObject({ host: 'api2.example', password: '***' });
    expect((await viewer('GET', '/api/v2/connections')).status).toBe(403);
    await api.stop();

    // rotation: a new key first, the old after; then the old key alone no longer reads them
    const key2 = generateFernetKey();
    const rotated = g.gale(['rotate-fernet-key'], { GALE__CORE__FERNET_KEY: `${key2},${key1}` });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('Re-encrypted 4');
    expect(g.gale(['variables', 'get', 'db_password'], { GALE__CORE__FERNET_KEY: key2 }).stdout).toBe(
      'hunter2\n',
    );
    const stale = g.gale(['variables', 'get', 'db_password'], { GALE__CORE__FERNET_KEY: key1 });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('No key of core.fernet_key decrypts');
  });

  it('tasks read variables and connections; secrets they read are masked in their log', () => {
    g = makeGaleHome({ GALE__CORE__FERNET_KEY: generateFernetKey() });
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    expect(g.gale(['variables', 'set', 'api_token', 'tok-9876543']).code).toBe(0);
    expect(g.gale(['variables', 'set', 'limits', '{"rows": 5}', '--json']).code).toBe(0);
    expect(
      g.gale([
        'connections',
        'add',
        'api',
        '--conn-type',
        'http',
        '--conn-host',
        'api.example',
        '--conn-password',
        'pw-55555',
      ]).code,
    ).toBe(0);
    g.writeDag(
      'secrets.ts',
      `import { dag, shell, task } from 'gale/sdk';
       dag({ dagId: 'secrets' }, () => {
         shell('templated', 'echo "host={{ conn.api.host }} pw={{ conn.api.password }} rows={{ var.json.limits.rows }}"');
         const used = task('use', async (ctx) => {
           const token = await ctx.variable('api_token');
           const limits = await ctx.variableJson<{ rows: number }>('limits');
           const api = await ctx.connection('api');
           ctx.log.info('token ' + token + ', password ' + api.password);
           const missing = await ctx.variable('nope', 'fallback');
           let error = '';
           try { await ctx.variable('nope'); } catch (e) { error = (e as Error).message; }
           return { rows: limits.rows, host: api.host, missing, error, tokenLength: token.length };
         })();
         used.then(shell('pulled', "echo rows={{ ti.xcom_pull('use').rows }} next={{ macros.ds_add(ds, 1) }}"));
       });`,
    );
    const r = g.gale(['dags', 'test', 'secrets']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('token ***, password ***');
    expect(r.stdout).not.toContain('tok-9876543');
    expect(r.stdout).not.toContain('pw-55555');
    // templates: variables and connections rendered, the password masked in the log and in the stored fields
    expect(r.stdout).toContain('host=api.example pw=*** rows=5');
    expect(r.stdout).toMatch(/rows=5 next=\d{4}-\d{2}-\d{2}/);
    const rendered = g
      .db()
      .prepare(
        "select rendered_fields from rendered_task_instance_fields where dag_id = 'secrets' and task_id = 'templated'",
      )
      .get() as { rendered_fields: string };
    expect(JSON.parse(rendered.rendered_fields).command).toBe('echo "host=api.example pw=*** rows=5"');
    const shellOutput = g
      .db()
      .prepare(
        "select value from xcom where dag_id = 'secrets' and task_id = 'templated' and key = 'return_value'",
      )
      .get() as { value: string };
    expect(JSON.parse(shellOutput.value)).toBe('host=api.example pw=*** rows=5');
    const render = g.gale(['tasks', 'render', 'secrets', 'templated']);
    expect(render.stdout).toContain('host=api.example pw=*** rows=5');
    const row = g
      .db()
      .prepare("select value from xcom where dag_id = 'secrets' and task_id = 'use' and key = 'return_value'")
      .get() as {
      value: string;
    };
    expect(JSON.parse(row.value)).toEqual({
      rows: 5,
      host: 'api.example',
      missing: 'fallback',
      error: 'No variable "nope"',
      tokenLength: 11,
    });
  });
});

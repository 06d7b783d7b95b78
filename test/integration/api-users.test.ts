/**
 * /api/v2/users and /api/v2/roles through `gale standalone`: an Admin creates, changes and deletes
 * users; Viewers and Ops are refused; bad bodies are refused with what is wrong; a password is
 * never returned; the last Admin cannot be removed; every change is in the audit log; the routes
 * are in /openapi.json. Also the variable and connection searches, and a connection's masked
 * extra kept on an edit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fernetKeys, SecretBox } from '../../src/db/index.js';
import { login } from '../support/api-client.js';
import { type GaleHome, makeGaleHome } from '../support/gale-home.js';
import { startStandalone } from '../support/ui-session.js';

interface User {
  username: string;
  email: string | null;
  active: boolean;
  roles: { name: string }[];
}

describe('users API', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('an Admin manages users and roles; others are refused; passwords never leave; changes are audited', async () => {
    g = makeGaleHome();
    const { base, password, s } = await startStandalone(g);
    const admin = await login(base, 'admin', password);

    const roles = await admin<{ roles: { name: string }[] }>('GET', '/api/v2/roles');
    expect(roles.status, roles.text).toBe(200);
    expect(roles.body.roles.map((r) => r.name)).toEqual(['Viewer', 'User', 'Op', 'Admin']);

    // create: a Viewer and an Op
    const made = await admin<User>('POST', '/api/v2/users', {
      username: 'vera',
      password: 'vera-password',
      email: 'vera@example.com',
      roles: [{ name: 'Viewer' }],
    });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({ username: 'vera', active: true, roles: [{ name: 'Viewer' }] });
    expect(made.text).not.toContain('password');
    const op = await admin('POST', '/api/v2/users', {
      username: 'otto',
      password: 'otto-password',
      roles: [{ name: 'Op' }],
    });
    expect(op.status, op.text).toBe(201);

    // bad bodies: what is wrong is in the detail
    for (const [body, says] of [
      [{ username: 'x', password: 'short', roles: [{ name: 'Viewer' }] }, 'at least 8 characters'],
      [{ username: 'x', password: 'long-enough', roles: [{ name: 'Root' }] }, 'roles'],
      [{ username: 'x', password: 'long-enough', roles: [] }, 'exactly one role'],
      [{ username: 'has space', password: 'long-enough', roles: [{ name: 'User' }] }, 'username'],
      [{ username: 'x', password: 'long-enough', roles: [{ name: 'User' }], is_admin: true }, 'is_admin'],
    ] as const) {
      const bad = await admin('POST', '/api/v2/users', body);
      expect(bad.status, JSON.stringify(body)).toBe(422);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(String(bad.body.detail)).toContain(says);
    }
    const twice = await admin('POST', '/api/v2/users', {
      username: 'vera',
      password: 'vera-password',
      roles: [{ name: 'Viewer' }],
    });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('GALE_ERR_USER_EXISTS');

    // list and get: no password or hash in any answer
    const list = await admin<{ users: User[]; total_entries: number }>('GET', '/api/v2/users');
    expect(list.body.users.map((u) => [u.username, u.roles[0]?.name])).toEqual([
      ['admin', 'Admin'],
      ['otto', 'Op'],
      ['vera', 'Viewer'],
    ]);
    expect(list.text).not.toMatch(/password|scrypt/);
    const found = await admin<{ users: User[]; total_entries: number }>(
      'GET',
      '/api/v2/users?username_pattern=VER',
    );
    expect(found.body.users.map((u) => u.username)).toEqual(['vera']);
    expect((await admin('GET', '/api/v2/users/nobody')).status).toBe(404);

    // Viewers and Ops cannot manage users
    const vera = await login(base, 'vera', 'vera-password');
    const otto = await login(base, 'otto', 'otto-password');
    for (const client of [vera, otto]) {
      for (const [method, path, body] of [
        ['GET', '/api/v2/users', undefined],
        ['GET', '/api/v2/roles', undefined],
        ['POST', '/api/v2/users', { username: 'z', password: 'zzzzzzzz', roles: [{ name: 'Admin' }] }],
        ['PATCH', '/api/v2/users/vera', { roles: [{ name: 'Admin' }] }],
        ['DELETE', '/api/v2/users/admin', undefined],
      ] as const) {
        const refused = await client(method, path, body);
        expect(refused.status, `${method} ${path}`).toBe(403);
        expect(refused.body.detail).toContain('needs the Admin role');
      }
    }

    // change a role (it applies at once), reset a password, deactivate
    const promoted = await admin<User>('PATCH', '/api/v2/users/vera', { roles: [{ name: 'User' }] });
    expect(promoted.status, promoted.text).toBe(200);
    expect(promoted.body.roles).toEqual([{ name: 'User' }]);
    expect((await vera<{ role: string }>('GET', '/api/v2/auth/me')).body.role).toBe('User');
    const reset = await admin('PATCH', '/api/v2/users/vera', { password: 'a-new-password' });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.text).not.toContain('a-new-password');
    await login(base, 'vera', 'a-new-password');
    expect((await admin('PATCH', '/api/v2/users/vera', { username: 'vera2' })).status).toBe(400);
    const off = await admin<User>('PATCH', '/api/v2/users/otto', { active: false });
    expect(off.body.active).toBe(false);
    expect((await otto('GET', '/api/v2/dags')).status).toBe(401);

    // the last active Admin stays
    for (const [method, body] of [
      ['PATCH', { roles: [{ name: 'Op' }] }],
      ['PATCH', { active: false }],
      ['DELETE', undefined],
    ] as const) {
      const kept = await admin(method, '/api/v2/users/admin', body);
      expect(kept.status, `${method} ${JSON.stringify(body)}`).toBe(409);
      expect(kept.body.code).toBe('GALE_ERR_LAST_ADMIN');
    }

    // delete: the user's token stops working at once
    expect((await admin('DELETE', '/api/v2/users/vera')).status).toBe(204);
    expect((await vera('GET', '/api/v2/dags')).status).toBe(401);
    expect((await admin('DELETE', '/api/v2/users/vera')).status).toBe(404);

    // the audit log names who changed which user, and the API's own record of each call
    const audit = await admin<{ event_logs: { event: string; owner: string; extra: string }[] }>(
      'GET',
      '/api/v2/eventLogs?owner=admin&included_events=user.create,user.update,user.delete&order_by=id',
    );
    expect(audit.body.event_logs.map((e) => [e.event, JSON.parse(e.extra).username])).toEqual([
      ['user.create', 'vera'],
      ['user.create', 'otto'],
      ['user.update', 'vera'],
      ['user.update', 'vera'],
      ['user.update', 'otto'],
      ['user.delete', 'vera'],
    ]);
    expect(audit.text).not.toMatch(/vera-password|a-new-password/);
    const calls = await admin<{ total_entries: number }>(
      'GET',
      `/api/v2/eventLogs?event=${encodeURIComponent('api:DELETE /api/v2/users/:username')}`,
    );
    expect(calls.body.total_entries).toBe(1);

    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v2/users', '/api/v2/users/{username}', '/api/v2/roles']),
    );
    await s.stop();
  });

  it('variables and connections are searched by key; a masked extra value is kept when a connection is edited', async () => {
    g = makeGaleHome();
    const { base, password, s } = await startStandalone(g);
    const admin = await login(base, 'admin', password);
    for (const key of ['etl_bucket', 'ETL_region', 'other'])
      expect((await admin('POST', '/api/v2/variables', { key, value: 'v' })).status).toBe(201);
    const found = await admin<{ variables: { key: string }[]; total_entries: number }>(
      'GET',
      '/api/v2/variables?variable_key_pattern=etl',
    );
    expect(found.body.variables.map((v) => v.key)).toEqual(['ETL_region', 'etl_bucket']);
    expect(found.body.total_entries).toBe(2);

    const conn = {
      connection_id: 'warehouse',
      conn_type: 'postgres',
      password: 'pg-secret',
      extra: JSON.stringify({ api_token: 'tok-secret', region: 'eu' }),
    };
    expect((await admin('POST', '/api/v2/connections', conn)).status).toBe(201);
    expect(
      (await admin('POST', '/api/v2/connections', { connection_id: 'cache', conn_type: 'redis' })).status,
    ).toBe(201);
    const conns = await admin<{ connections: { connection_id: string; extra: string }[] }>(
      'GET',
      '/api/v2/connections?connection_id_pattern=WARE',
    );
    expect(conns.body.connections.map((c) => c.connection_id)).toEqual(['warehouse']);
    const shown = conns.body.connections[0]!;
    expect(JSON.parse(shown.extra)).toEqual({ api_token: '***', region: 'eu' });

    // the UI sends back what it was shown, with one value changed and no password
    const edited = await admin('PATCH', '/api/v2/connections/warehouse', {
      connection_id: 'warehouse',
      conn_type: 'postgres',
      extra: JSON.stringify({ api_token: '***', region: 'us' }),
    });
    expect(edited.status, edited.text).toBe(200);
    // what is stored, decrypted as a task would read it
    const box = new SecretBox(fernetKeys('', g.home));
    const row = g
      .db()
      .prepare("select password, extra from connection where conn_id = 'warehouse'")
      .get() as {
      password: string;
      extra: string;
    };
    expect(box.decrypt(row.password)).toBe('pg-secret');
    expect(JSON.parse(box.decrypt(row.extra))).toEqual({ api_token: 'tok-secret', region: 'us' });
    await s.stop();
  });
});

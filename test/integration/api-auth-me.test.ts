/**
 * `GET /api/v2/auth/me` (and the answer of the UI's `POST /auth/login`) through `gale standalone`:
 * who the caller is, the DAGs it may see (per-DAG access by id and tag) and what its role lets it do
 * on them, so that the UI can hide the actions it would refuse. An Admin is unrestricted whatever
 * is stored; a limited Viewer and a limited User report their lists; the answer follows a change
 * of the limits at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { type GaleHome, makeGaleHome } from '../support/gale-home.js';
import { startStandalone } from '../support/ui-session.js';

interface Me {
  username: string;
  role: string;
  dag_access: { dag_ids: string[] | null; dag_tags: string[] | null; is_unrestricted: boolean };
  permissions: { can_edit_dags: boolean; can_manage_resources: boolean; is_admin: boolean };
}

describe('GET /api/v2/auth/me', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('reports the per-DAG access limits and what the role may do on those DAGs', async () => {
    g = makeGaleHome();
    const { base, password } = await startStandalone(g);
    const create = (user: string, role: string, limits: string[]) => {
      const made = g.gale(
        ['users', 'create', '-u', user, '-r', role, ...limits, '--password-stdin'],
        {},
        `${user}-password-1\n`,
      );
      expect(made.code, made.stderr).toBe(0);
    };
    create('vic', 'Viewer', ['--dag-ids', 'fin_a,fin_b']);
    create('una', 'User', ['--dag-tags', 'finance,ops', '--dag-ids', 'shared']);

    const admin = await login(base, 'admin', password);
    expect((await admin<Me>('GET', '/api/v2/auth/me')).body).toEqual({
      username: 'admin',
      role: 'Admin',
      dag_access: { dag_ids: null, dag_tags: null, is_unrestricted: true },
      permissions: { can_edit_dags: true, can_manage_resources: true, is_admin: true },
    });

    const vic = await login(base, 'vic', 'vic-password-1');
    expect((await vic<Me>('GET', '/api/v2/auth/me')).body).toEqual({
      username: 'vic',
      role: 'Viewer',
      dag_access: { dag_ids: ['fin_a', 'fin_b'], dag_tags: null, is_unrestricted: false },
      permissions: { can_edit_dags: false, can_manage_resources: false, is_admin: false },
    });

    const una = await login(base, 'una', 'una-password-1');
    const unaMe = (await una<Me>('GET', '/api/v2/auth/me')).body;
    expect(unaMe.dag_access).toEqual({
      dag_ids: ['shared'],
      dag_tags: ['finance', 'ops'],
      is_unrestricted: false,
    });
    expect(unaMe.permissions).toEqual({ can_edit_dags: true, can_manage_resources: false, is_admin: false });

    // the UI's login answers the same, and the limits follow a change at once
    const cookieLogin = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'una', password: 'una-password-1' }),
    });
    expect(cookieLogin.status).toBe(200);
    expect(await cookieLogin.json()).toEqual(unaMe);
    const updated = g.gale(['users', 'update', 'una', '--all-dags']);
    expect(updated.code, updated.stderr).toBe(0);
    expect((await una<Me>('GET', '/api/v2/auth/me')).body.dag_access).toEqual({
      dag_ids: null,
      dag_tags: null,
      is_unrestricted: true,
    });
    // the OpenAPI document describes the answer
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    };
    expect(JSON.stringify(doc.paths['/api/v2/auth/me']?.get?.responses['200'])).toContain('can_edit_dags');
  }, 180_000);
});

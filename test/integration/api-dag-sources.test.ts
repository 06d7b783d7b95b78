/**
 * GET /api/v2/dagSources/{dag_id} through `gale standalone`: a Viewer reads the source of a DAG's
 * file as stored at parse time, with the DAG's version; a changed file gives a new version and
 * source; unknown DAGs are 404 and callers without a token 401. (Reading the file itself when no
 * copy is stored, and only inside the DAG folders, is test/unit/api/dag-source.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { CLI, type GaleHome, makeGaleHome, waitFor } from '../support/gale-home.js';
import { startStandalone } from '../support/ui-session.js';

const source = (marker: string) => `// the source view's marker: ${marker}
import { dag, task } from 'gale/sdk';

dag({ dagId: 'src_demo', schedule: null, description: '${marker}' }, () => {
  task('hello', () => '${marker}')();
});
`;

interface DagSource {
  content: string | null;
  dag_id: string;
  dag_display_name: string;
  version_number: number | null;
}

describe('DAG sources API', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it("answers a DAG file's stored source and version to a Viewer, and a changed file's new ones", async () => {
    // no periodic re-parse: only a changed file is parsed again
    g = makeGaleHome({ GALE__DAG_PROCESSOR__REFRESH_INTERVAL: '3600' });
    const file = g.writeDag('src_demo.ts', source('first'));
    const { base } = await startStandalone(g);
    const created = spawnSync(
      process.execPath,
      [CLI, 'users', 'create', '-u', 'v', '-r', 'Viewer', '--password-stdin'],
      {
        env: g.env,
        input: 'viewer-password\n',
        encoding: 'utf8',
      },
    );
    expect(created.status, created.stderr).toBe(0);
    const viewer = await login(base, 'v', 'viewer-password');
    const path = '/api/v2/dagSources/src_demo';

    const first = await waitFor(
      async () => {
        const r = await viewer<DagSource>('GET', path);
        return r.status === 200 ? r : null;
      },
      { what: 'the source of src_demo', timeoutMs: 60_000 },
    );
    expect(first.body).toEqual({
      content: source('first'),
      dag_id: 'src_demo',
      dag_display_name: 'src_demo',
      version_number: 1,
    });

    // without a token: 401; an unknown DAG: 404, both as problem+json
    const anonymous = await fetch(`${base}${path}`);
    expect(anonymous.status).toBe(401);
    const unknown = await viewer<{ code: string; detail: string }>('GET', '/api/v2/dagSources/no_such_dag');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.body.code).toBe('GALE_ERR_DAG_NOT_FOUND');

    // it is in the OpenAPI document
    const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toContain('/api/v2/dagSources/{dag_id}');

    // a changed DAG: a new version with the new source
    writeFileSync(file, source('second'));
    const second = await waitFor(
      async () => {
        const r = await viewer<DagSource>('GET', path);
        return r.body.version_number === 2 ? r : null;
      },
      { what: 'version 2 of src_demo', timeoutMs: 60_000 },
    );
    expect(second.body.content).toBe(source('second'));
  }, 180_000);
});

import { describe, expect, it } from 'vitest';
import { MACROS } from '../../../src/runner/macros.js';
import { templateSecrets } from '../../../src/runner/template-secrets.js';
import { templateXcoms } from '../../../src/runner/template-xcoms.js';
import { renderTemplate } from '../../../src/runner/templates.js';
import type { TaskConnection } from '../../../src/sdk/index.js';

const VARIABLES: Record<string, string> = { region: 'eu-1', limits: '{"rows": 5, "deep": {"x": 1}}' };
const CONNECTION: TaskConnection = {
  connId: 'dw',
  connType: 'postgres',
  host: 'db.example',
  schema: 'dw',
  login: 'etl',
  password: 'pw',
  port: 5433,
  extra: { sslmode: 'require' },
  uri: 'postgres://etl:pw@db.example:5433/dw',
};

function fakeContext(asked: string[]) {
  return {
    variable: async (key: string) => {
      asked.push(`var:${key}`);
      const v = VARIABLES[key];
      if (v === undefined) throw new Error(`No variable "${key}"`);
      return v;
    },
    variableJson: async <T>(key: string) => {
      asked.push(`json:${key}`);
      return JSON.parse(VARIABLES[key] ?? 'null') as T;
    },
    connection: async (connId: string) => {
      asked.push(`conn:${connId}`);
      if (connId !== 'dw') throw new Error(`No connection "${connId}"`);
      return CONNECTION;
    },
  };
}

describe('variables and connections in templates', () => {
  const cases: [string, string, string[]][] = [
    ['{{ var.value.region }}', 'eu-1', ['var:region']],
    ['{{ var.json.limits.rows }} {{ var.json.limits.deep.x }}', '5 1', ['json:limits']],
    ['{{ conn.dw.host }}:{{ conn.dw.port }}/{{ conn.dw.schema }}', 'db.example:5433/dw', ['conn:dw']],
    ['{{ conn.dw.extra_dejson.sslmode }} {{ conn.dw.conn_type }}', 'require postgres', ['conn:dw']],
    ['{{ conn.dw.uri }}', 'postgres://etl:pw@db.example:5433/dw', ['conn:dw']],
    ['{{ var.value.region }}-{{ var.value.region }}', 'eu-1-eu-1', ['var:region']],
    ['no references: {{ ds }}', 'no references: ', []],
  ];
  it.each(cases)('%s renders as %j, reading only what it names', async (template, expected, reads) => {
    const asked: string[] = [];
    const context = await templateSecrets([template], fakeContext(asked));
    expect(renderTemplate(template, { ...context })).toBe(expected);
    expect(asked).toEqual(reads);
  });

  it('a template naming a variable that does not exist fails, as Airflow', async () => {
    await expect(templateSecrets(['{{ var.value.nope }}'], fakeContext([]))).rejects.toThrow(
      'No variable "nope"',
    );
  });
});

describe('ti.xcom_pull and macros in templates', () => {
  const outputs: Record<string, unknown> = { 'extract/return_value': 42, 'extract/count': 7 };
  const ctx = {
    xcomPull: async <T>(taskId: string, key = 'return_value') => outputs[`${taskId}/${key}`] as T | undefined,
  };
  const cases: [string, string][] = [
    ["{{ ti.xcom_pull('extract') }}", '42'],
    ["{{ ti.xcom_pull(task_ids='extract') }}", '42'],
    ["{{ ti.xcom_pull('extract', key='count') }}", '7'],
    ['{{ ti.xcom_pull(task_ids="extract", key="count") }}', '7'],
    ["{{ macros.ds_add('2026-01-31', 1) }} {{ macros.ds_add('2026-03-01', -1) }}", '2026-02-01 2026-02-28'],
  ];
  it.each(cases)('%s renders as %j', async (template, expected) => {
    const pull = await templateXcoms([template], ctx);
    const rendered = renderTemplate(template, {
      ti: { xcom_pull: pull },
      macros: MACROS,
    });
    expect(rendered).toBe(expected);
  });

  it('a pull the scan did not foresee fails, saying to write the task id literally', async () => {
    const pull = await templateXcoms(['{{ ti.xcom_pull(name) }}'], ctx);
    expect(() =>
      renderTemplate('{{ ti.xcom_pull(name) }}', { name: 'extract', ti: { xcom_pull: pull } }),
    ).toThrow(/was not read before rendering/);
  });
});

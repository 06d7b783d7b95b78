/** The podOverride task option: checked when the DAG is defined, carried in the serialized DAG. */
import { beforeEach, describe, expect, it } from 'vitest';
import { type GaleError, type PodOverride, serializedDagSchema } from '../../../src/models/index.js';
import { dag, takeDefinedDags, task } from '../../../src/sdk/index.js';
import { DAG_DEFAULTS } from './dag-defaults.js';

beforeEach(() => takeDefinedDags());

function serializedOverride(
  options: { podOverride?: PodOverride },
  defaults: { podOverride?: PodOverride } = {},
) {
  const d = dag({ dagId: 'k8s', defaultArgs: defaults }, () => {
    task({ taskId: 't', ...options }, () => 1)();
  });
  // what the DAG processor stores and the scheduler reads back
  const stored = serializedDagSchema.parse(
    JSON.parse(JSON.stringify(d.serialize('dags/k8s.ts', DAG_DEFAULTS))),
  );
  return stored.tasks[0]?.podOverride;
}

describe('podOverride', () => {
  const full: PodOverride = {
    image: 'etl:2',
    resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi' } },
    env: { REGION: 'eu' },
    envFromSecrets: ['db'],
    envFromConfigMaps: ['settings'],
    volumes: [{ name: 'scratch', emptyDir: {} }],
    volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
    nodeSelector: { pool: 'big' },
    tolerations: [{ key: 'big', operator: 'Exists', effect: 'NoSchedule' }],
    affinity: { nodeAffinity: {} },
    serviceAccountName: 'etl',
    imagePullSecrets: ['registry'],
    labels: { team: 'data' },
    annotations: { note: 'x' },
    securityContext: { runAsNonRoot: true },
  };

  it.each([
    ['none', {}, {}, null],
    ['every field, as written', { podOverride: full }, {}, full],
    ["from the DAG's defaultArgs", {}, { podOverride: { image: 'etl:3' } }, { image: 'etl:3' }],
    [
      "the task's own over defaultArgs",
      { podOverride: { image: 'etl:4' } },
      { podOverride: { image: 'etl:3' } },
      { image: 'etl:4' },
    ],
  ])('is serialized with the DAG: %s', (_what, options, defaults, expected) => {
    expect(serializedOverride(options, defaults)).toEqual(expected);
  });

  it.each([
    ['an unknown field', { imageName: 'x' }, /podOverride\./],
    [
      'a wrong toleration operator',
      { tolerations: [{ operator: 'Maybe' }] },
      /podOverride\.tolerations\.0\.operator/,
    ],
    ['a number as an env value', { env: { N: 1 } }, /podOverride\.env\.N/],
    ['a volume without a name', { volumes: [{ emptyDir: {} }] }, /podOverride\.volumes\.0/],
  ])('rejects %s when the DAG is defined, naming the field', (_what, override, message) => {
    let error: GaleError | undefined;
    try {
      serializedOverride({ podOverride: override as unknown as PodOverride });
    } catch (e) {
      error = e as GaleError;
    }
    expect(error?.code).toBe('GALE_ERR_DAG_INVALID');
    expect(error?.message).toMatch(message);
  });
});

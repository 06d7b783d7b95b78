/**
 * Validates Kubernetes objects against a Kubernetes version's own OpenAPI schemas (swagger.json)
 * with ajv, strictly: every object schema gets additionalProperties false, as kubeconform's
 * --strict, so a misspelt or misplaced field fails. Kinds are found by their
 * x-kubernetes-group-version-kind. Custom resources are not in those schemas: `crdShapes` holds
 * small schemas of the fields the chart uses of KEDA's and the Prometheus operator's kinds.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

interface Swagger {
  definitions: Record<string, Record<string, unknown>>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** int-or-string and quantities are typed "string" in swagger.json; YAML may give numbers. */
const LOOSE_TYPES: Record<string, Record<string, unknown>> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { anyOf: [{ type: 'string' }, { type: 'integer' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { anyOf: [{ type: 'string' }, { type: 'number' }] },
};

function strict(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) strict(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.properties && o.additionalProperties === undefined) o.additionalProperties = false;
  for (const value of Object.values(o)) strict(value);
}

export class KubeValidator {
  readonly #ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  readonly #byGvk = new Map<string, string>();
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(swaggerPath: string) {
    const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8')) as Swagger;
    for (const [name, def] of Object.entries(swagger.definitions)) {
      const loose = LOOSE_TYPES[name];
      if (loose) {
        swagger.definitions[name] = loose;
        continue;
      }
      strict(def);
      const gvks = (def['x-kubernetes-group-version-kind'] ?? []) as {
        group: string;
        version: string;
        kind: string;
      }[];
      for (const { group, version, kind } of gvks) {
        this.#byGvk.set(`${group ? `${group}/` : ''}${version}/${kind}`, name);
      }
    }
    this.#ajv.addSchema({ $id: 'k8s', definitions: swagger.definitions });
  }

  /** Whether this version knows the kind at all. */
  knows(object: KubeObject): boolean {
    return this.#byGvk.has(`${object.apiVersion}/${object.kind}`);
  }

  /** The problems of one object (empty: valid); an unknown kind is a problem. */
  validate(object: KubeObject): string[] {
    const key = `${object.apiVersion}/${object.kind}`;
    const def = this.#byGvk.get(key);
    if (!def) return [`${key} is not a kind of this Kubernetes version`];
    let check = this.#compiled.get(def);
    if (!check) {
      check = this.#ajv.compile({ $ref: `k8s#/definitions/${def}` });
      this.#compiled.set(def, check);
    }
    if (check(object)) return [];
    return (check.errors ?? []).map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    );
  }
}

const str = { type: 'string', minLength: 1 };
const meta = {
  type: 'object',
  required: ['name'],
  properties: { name: str, labels: { type: 'object' }, annotations: { type: 'object' } },
};
const crd = (apiVersion: string, kind: string, spec: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: { apiVersion: { const: apiVersion }, kind: { const: kind }, metadata: meta, spec },
});
const obj = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

/** The fields of custom resources the chart writes, after their CRDs' documentation. */
export const crdShapes: Record<string, Record<string, unknown>> = {
  'keda.sh/v1alpha1/ScaledObject': crd(
    'keda.sh/v1alpha1',
    'ScaledObject',
    obj(
      {
        scaleTargetRef: obj({ name: str, kind: str, apiVersion: str }, ['name']),
        pollingInterval: { type: 'integer', minimum: 1 },
        cooldownPeriod: { type: 'integer', minimum: 0 },
        minReplicaCount: { type: 'integer', minimum: 0 },
        maxReplicaCount: { type: 'integer', minimum: 1 },
        triggers: {
          type: 'array',
          minItems: 1,
          items: obj(
            {
              type: str,
              authenticationRef: obj({ name: str }, ['name']),
              metadata: { type: 'object', additionalProperties: { type: 'string' } },
            },
            ['type', 'metadata'],
          ),
        },
      },
      ['scaleTargetRef', 'triggers'],
    ),
  ),
  'keda.sh/v1alpha1/TriggerAuthentication': crd(
    'keda.sh/v1alpha1',
    'TriggerAuthentication',
    obj(
      {
        secretTargetRef: {
          type: 'array',
          items: obj({ parameter: str, name: str, key: str }, ['parameter', 'name', 'key']),
        },
      },
      [],
    ),
  ),
  'monitoring.coreos.com/v1/ServiceMonitor': crd(
    'monitoring.coreos.com/v1',
    'ServiceMonitor',
    obj(
      {
        selector: obj({ matchLabels: { type: 'object', additionalProperties: { type: 'string' } } }, []),
        namespaceSelector: obj({ matchNames: { type: 'array', items: str } }, []),
        endpoints: {
          type: 'array',
          minItems: 1,
          items: obj({ port: str, path: str, interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' } }, [
            'port',
          ]),
        },
      },
      ['selector', 'endpoints'],
    ),
  ),
  'monitoring.coreos.com/v1/PrometheusRule': crd(
    'monitoring.coreos.com/v1',
    'PrometheusRule',
    obj(
      {
        groups: {
          type: 'array',
          items: obj(
            {
              name: str,
              rules: {
                type: 'array',
                minItems: 1,
                items: obj(
                  {
                    alert: str,
                    expr: str,
                    for: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                    annotations: { type: 'object', additionalProperties: { type: 'string' } },
                  },
                  ['alert', 'expr'],
                ),
              },
            },
            ['name', 'rules'],
          ),
        },
      },
      ['groups'],
    ),
  ),
};

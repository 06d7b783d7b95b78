/**
 * DAG params with JSON Schema, as Airflow's Param: each param has a default and may have a schema
 * (type, enum, minimum, maximum, pattern, ...). A run's conf overrides the defaults, and the
 * result is validated when the run is created, with a message naming the bad param.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { GaleError } from './errors.js';

export type ParamSchema = Record<string, unknown>;

// ajv is loaded (and its meta-schemas compiled) at the first param schema, not by every process
// that imports models: most DAGs have none, and task processes would otherwise pay ~60 ms each.
let ajv: Ajv | undefined;
function ajvInstance(): Ajv {
  if (!ajv) {
    const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    ajv = new AjvClass({ allErrors: true, strict: false });
  }
  return ajv;
}
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: ParamSchema, where: string): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajvInstance().compile(schema);
    } catch (error) {
      throw new GaleError(
        'GALE_ERR_DAG_INVALID',
        `${where}: invalid JSON Schema: ${(error as Error).message}`,
        {
          hint: 'Write the schema as JSON Schema, for example { type: "integer", minimum: 1 }.',
          cause: error,
        },
      );
    }
    compiled.set(key, validate);
  }
  return validate;
}

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || 'value'} ${e.message ?? 'is invalid'}`).join('; ');
}

/**
 * The params a run sees: defaults overridden by conf, each validated against its schema.
 * A param with a schema and no value (no default, not in conf) is missing.
 */
export function resolveParams(
  defaults: Record<string, unknown>,
  schemas: Record<string, ParamSchema>,
  conf: Record<string, unknown>,
  where: string,
): Record<string, unknown> {
  const values = { ...defaults, ...conf };
  const problems: string[] = [];
  for (const [name, schema] of Object.entries(schemas)) {
    if (!(name in values) || values[name] === undefined) {
      problems.push(`param "${name}" is required and has no value`);
      continue;
    }
    const validate = validatorFor(schema, `${where}: param "${name}"`);
    if (!validate(values[name])) {
      problems.push(`param "${name}" = ${JSON.stringify(values[name])}: ${describe(validate.errors)}`);
    }
  }
  if (problems.length > 0) {
    throw new GaleError('GALE_ERR_CONF_INVALID', `${where}: ${problems.join('; ')}`, {
      hint: `Give valid values in the run's conf, e.g. --conf '{"${Object.keys(schemas)[0]}": ...}'. Schemas: ${JSON.stringify(schemas)}`,
    });
  }
  return values;
}

/** Checks a DAG's param schemas compile and its defaults pass them (at parse time). */
export function checkParamDefaults(
  defaults: Record<string, unknown>,
  schemas: Record<string, ParamSchema>,
  where: string,
): void {
  for (const [name, schema] of Object.entries(schemas)) {
    validatorFor(schema, `${where}: param "${name}"`);
    if (name in defaults && defaults[name] !== undefined) {
      const validate = validatorFor(schema, `${where}: param "${name}"`);
      if (!validate(defaults[name])) {
        throw new GaleError(
          'GALE_ERR_DAG_INVALID',
          `${where}: the default of param "${name}" (${JSON.stringify(defaults[name])}) breaks its schema: ${describe(validate.errors)}`,
          { hint: 'Change the default, or the schema.' },
        );
      }
    }
  }
}

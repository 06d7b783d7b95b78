/** loadConfig against a GALE_HOME of its own per test: defaults, gale.yaml, then GALE__SECTION__KEY. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listSettings, loadConfig, resolveGaleHome } from '../../../src/config/load.js';
import { SETTINGS } from '../../../src/config/schema.js';
import { GaleError } from '../../../src/models/errors.js';

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gale-config-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const writeYaml = (text: string) => writeFileSync(join(home, 'gale.yaml'), text);

/** The environment of a test: GALE_HOME and the given variables, nothing from the real one. */
const env = (vars: Record<string, string> = {}): NodeJS.ProcessEnv => ({ GALE_HOME: home, ...vars });

function loadError(vars: Record<string, string> = {}): GaleError {
  try {
    loadConfig(env(vars));
  } catch (error) {
    if (error instanceof GaleError) return error;
    throw error;
  }
  throw new Error('loadConfig succeeded');
}

describe('loadConfig: defaults', () => {
  it('gives every setting its default when there is no gale.yaml and no GALE__ variable', () => {
    const { config, file, home: loadedHome } = loadConfig(env());
    expect(loadedHome).toBe(home);
    expect(file).toBe(join(home, 'gale.yaml'));
    expect(config.core).toMatchObject({
      load_examples: true,
      executor: ['local'],
      parallelism: 32,
      max_active_tasks_per_dag: 16,
      max_active_runs_per_dag: 16,
      dags_are_paused_at_creation: false,
      default_timezone: 'UTC',
    });
    expect(config.scheduler).toMatchObject({ catchup_by_default: false, create_cron_data_intervals: false });
    expect(config.logging.level).toBe('info');
  });

  it('places the folders and database under GALE_HOME by default', () => {
    const { config } = loadConfig(env());
    expect(config.core.dags_folder).toBe(`${home}/dags`);
    expect(config.logging.base_log_folder).toBe(`${home}/logs`);
    expect(config.database.url).toBe(`sqlite://${home}/gale.db`);
  });

  it('gives the same values for an empty gale.yaml', () => {
    writeYaml('');
    expect(loadConfig(env()).config).toEqual(loadConfig({ GALE_HOME: home }).config);
    expect(loadConfig(env()).config.core.parallelism).toBe(32);
  });

  it('freezes the loaded configuration', () => {
    const { config } = loadConfig(env());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.core)).toBe(true);
  });
});

describe('loadConfig: gale.yaml and GALE__SECTION__KEY', () => {
  it('takes values from gale.yaml', () => {
    writeYaml('core:\n  parallelism: 8\n  load_examples: false\nlogging:\n  level: debug\n');
    const { config } = loadConfig(env());
    expect(config.core.parallelism).toBe(8);
    expect(config.core.load_examples).toBe(false);
    expect(config.logging.level).toBe('debug');
    expect(config.core.max_active_runs_per_dag).toBe(16);
  });

  it('lets a GALE__SECTION__KEY variable win over gale.yaml', () => {
    writeYaml('core:\n  parallelism: 8\n');
    expect(loadConfig(env({ GALE__CORE__PARALLELISM: '4' })).config.core.parallelism).toBe(4);
  });

  it('reads a section name with an underscore from the environment', () => {
    const { config } = loadConfig(env({ GALE__DAG_PROCESSOR__PARSING_PROCESSES: '3' }));
    expect(config.dag_processor.parsing_processes).toBe(3);
  });

  it.each([
    { value: 'true', expected: true },
    { value: 'TRUE', expected: true },
    { value: '1', expected: true },
    { value: 'yes', expected: true },
    { value: 'on', expected: true },
    { value: 'false', expected: false },
    { value: '0', expected: false },
    { value: 'no', expected: false },
    { value: ' Off ', expected: false },
  ])('reads the boolean "$value" from the environment as $expected', ({ value, expected }) => {
    expect(loadConfig(env({ GALE__CORE__LOAD_EXAMPLES: value })).config.core.load_examples).toBe(expected);
  });

  it.each([
    {
      name: 'GALE__CORE__PARALLELISM',
      value: '12',
      read: (c: ReturnType<typeof loadConfig>) => c.config.core.parallelism,
      expected: 12,
    },
    {
      name: 'GALE__SCHEDULER__IDLE_SLEEP_TIME',
      value: '0.25',
      read: (c: ReturnType<typeof loadConfig>) => c.config.scheduler.idle_sleep_time,
      expected: 0.25,
    },
    {
      name: 'GALE__CORE__MAX_OUTPUT_SIZE',
      value: ' 2048 ',
      read: (c: ReturnType<typeof loadConfig>) => c.config.core.max_output_size,
      expected: 2048,
    },
  ])('reads the number in $name="$value" as $expected', ({ name, value, read, expected }) => {
    expect(read(loadConfig(env({ [name]: value })))).toBe(expected);
  });

  it('reads quoted numbers and yes/no strings from gale.yaml', () => {
    writeYaml('core:\n  parallelism: "6"\n  load_examples: "no"\n');
    const { config } = loadConfig(env());
    expect(config.core.parallelism).toBe(6);
    expect(config.core.load_examples).toBe(false);
  });

  it('ignores variables that do not start with GALE__', () => {
    expect(() =>
      loadConfig(env({ GALE_SOMETHING: 'x', PATH: '/bin', gale__core__parallelism: 'x' })),
    ).not.toThrow();
  });

  it('resolves GALE_HOME to an absolute path', () => {
    expect(resolveGaleHome({ GALE_HOME: 'relative/home' })).toBe(join(process.cwd(), 'relative/home'));
  });
});

describe('loadConfig: unknown settings', () => {
  it.each([
    { name: 'GALE__CORE__PARALELISM', names: 'GALE__CORE__PARALELISM' },
    { name: 'GALE__NOPE__PARALLELISM', names: 'GALE__NOPE__PARALLELISM' },
    { name: 'GALE__CORE', names: 'GALE__CORE' },
  ])('fails with GALE_ERR_CONFIG_UNKNOWN_KEY naming the variable $name', ({ name, names }) => {
    const error = loadError({ [name]: '1' });
    expect(error.code).toBe('GALE_ERR_CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain(names);
    expect(error.message).toContain('environment');
    expect(error.hint).toContain('gale config list');
  });

  it.each([
    { yaml: 'core:\n  paralelism: 8\n', names: 'core.paralelism' },
    { yaml: 'nope:\n  x: 1\n', names: 'nope' },
  ])('fails with GALE_ERR_CONFIG_UNKNOWN_KEY naming $names in gale.yaml', ({ yaml, names }) => {
    writeYaml(yaml);
    const error = loadError();
    expect(error.code).toBe('GALE_ERR_CONFIG_UNKNOWN_KEY');
    expect(error.message).toContain(names);
    expect(error.message).toContain('gale.yaml');
  });
});

describe('loadConfig: invalid values', () => {
  it.each([
    { name: 'GALE__CORE__PARALLELISM', value: 'many' },
    { name: 'GALE__CORE__PARALLELISM', value: '0' },
    { name: 'GALE__CORE__PARALLELISM', value: '2.5' },
    { name: 'GALE__CORE__PARALLELISM', value: '' },
    { name: 'GALE__CORE__LOAD_EXAMPLES', value: 'maybe' },
    { name: 'GALE__CORE__EXECUTOR', value: 'celery' },
    { name: 'GALE__LOGGING__LEVEL', value: 'loud' },
    { name: 'GALE__DATABASE__URL', value: '' },
  ])('fails with GALE_ERR_CONFIG_INVALID naming $name for the value "$value"', ({ name, value }) => {
    const error = loadError({ [name]: value });
    expect(error.code).toBe('GALE_ERR_CONFIG_INVALID');
    expect(error.message).toContain(name);
    expect(error.hint).toBeDefined();
  });

  it.each([
    { yaml: 'core:\n  parallelism: -1\n', names: 'core.parallelism' },
    { yaml: 'core:\n  parallelism:\n', names: 'core.parallelism' },
    { yaml: 'core:\n  load_examples: sometimes\n', names: 'core.load_examples' },
    { yaml: 'scheduler:\n  idle_sleep_time: 0\n', names: 'scheduler.idle_sleep_time' },
  ])('fails with GALE_ERR_CONFIG_INVALID naming $names for a bad value in gale.yaml', ({ yaml, names }) => {
    writeYaml(yaml);
    const error = loadError();
    expect(error.code).toBe('GALE_ERR_CONFIG_INVALID');
    expect(error.message).toContain(names);
    expect(error.hint).toContain(names);
  });

  it.each([
    { name: 'broken YAML', yaml: 'core:\n  parallelism: [8\n', says: 'not valid YAML' },
    { name: 'a list', yaml: '- core\n- scheduler\n', says: 'mapping of sections' },
    { name: 'a scalar', yaml: 'hello\n', says: 'mapping of sections' },
    { name: 'a section that is a scalar', yaml: 'core: 8\n', says: 'Section core' },
  ])('fails with GALE_ERR_CONFIG_INVALID for gale.yaml holding $name', ({ yaml, says }) => {
    writeYaml(yaml);
    const error = loadError();
    expect(error.code).toBe('GALE_ERR_CONFIG_INVALID');
    expect(error.message).toContain(says);
    expect(error.message).toContain(join(home, 'gale.yaml'));
  });
});

describe('listSettings', () => {
  it('lists every setting with its value, description and where it came from', () => {
    writeYaml('core:\n  parallelism: 8\n  load_examples: false\n');
    const rows = listSettings(
      loadConfig(env({ GALE__CORE__LOAD_EXAMPLES: 'true', GALE__LOGGING__LEVEL: 'warn' })),
    );
    const byName = new Map(rows.map((row) => [row.name, row]));

    const declared = Object.entries(SETTINGS).flatMap(([section, defs]) =>
      Object.keys(defs).map((key) => `${section}.${key}`),
    );
    expect(rows.map((row) => row.name)).toEqual(declared);

    expect(byName.get('core.parallelism')).toMatchObject({ value: 8, source: 'file' });
    expect(byName.get('core.load_examples')).toMatchObject({ value: true, source: 'env' });
    expect(byName.get('logging.level')).toMatchObject({ value: 'warn', source: 'env' });
    expect(byName.get('core.executor')).toMatchObject({ value: 'local', source: 'default' });
    for (const row of rows) expect(row.description.length).toBeGreaterThan(0);
  });
});

/** core.executor: a comma-separated or YAML list of distinct executors, the first the default. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listSettings, loadConfig } from '../../../src/config/load.js';
import { GaleError } from '../../../src/models/errors.js';

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gale-executors-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const fromEnv = (value: string) => loadConfig({ GALE_HOME: home, GALE__CORE__EXECUTOR: value });

function fromYaml(yaml: string) {
  writeFileSync(join(home, 'gale.yaml'), yaml);
  return loadConfig({ GALE_HOME: home });
}

function errorOf(load: () => unknown): GaleError {
  try {
    load();
  } catch (error) {
    if (error instanceof GaleError) return error;
    throw error;
  }
  throw new Error('loadConfig succeeded');
}

describe('core.executor: valid lists', () => {
  it.each([
    { value: 'local', expected: ['local'] },
    { value: 'queue', expected: ['queue'] },
    { value: 'local,queue', expected: ['local', 'queue'] },
    { value: 'queue,local', expected: ['queue', 'local'] },
    { value: ' local , queue ', expected: ['local', 'queue'] },
  ])('GALE__CORE__EXECUTOR="$value" gives $expected', ({ value, expected }) => {
    const { config } = fromEnv(value);
    expect(config.core.executor).toEqual(expected);
    expect(Object.isFrozen(config.core.executor)).toBe(true);
  });

  it.each([
    { yaml: 'core:\n  executor: local,queue\n', expected: ['local', 'queue'] },
    { yaml: 'core:\n  executor: [queue, local]\n', expected: ['queue', 'local'] },
    { yaml: 'core:\n  executor:\n    - local\n', expected: ['local'] },
  ])('gale.yaml $yaml gives $expected', ({ yaml, expected }) => {
    expect(fromYaml(yaml).config.core.executor).toEqual(expected);
  });

  it('defaults to the local executor alone', () => {
    expect(loadConfig({ GALE_HOME: home }).config.core.executor).toEqual(['local']);
  });

  it('lists the setting as it is written in the environment: comma-separated', () => {
    const row = listSettings(fromYaml('core:\n  executor: [queue, local]\n')).find(
      (r) => r.name === 'core.executor',
    );
    expect(row).toMatchObject({ value: 'queue,local', source: 'file' });
  });
});

describe('core.executor: invalid lists fail at start, saying what to fix', () => {
  it.each([
    { name: 'an unknown executor', value: 'celery', says: ['unknown executor "celery"', 'local, queue'] },
    { name: 'an unknown one among known ones', value: 'local,celery', says: ['"celery"'] },
    { name: 'a duplicate', value: 'local,queue,local', says: ['"local" is listed twice'] },
    { name: 'an empty list', value: '', says: ['at least one executor'] },
    { name: 'blanks only', value: '  ', says: ['at least one executor'] },
    { name: 'an empty name between commas', value: 'local,,queue', says: ['empty executor name'] },
    { name: 'a trailing comma', value: 'local,', says: ['empty executor name'] },
  ])('$name ("$value") in the environment', ({ value, says }) => {
    const error = errorOf(() => fromEnv(value));
    expect(error.code).toBe('GALE_ERR_CONFIG_INVALID');
    expect(error.message).toContain('GALE__CORE__EXECUTOR');
    for (const text of says) expect(error.message).toContain(text);
    expect(error.hint).toContain('core.executor');
  });

  it.each([
    { name: 'an empty YAML list', yaml: 'core:\n  executor: []\n', says: 'at least one executor' },
    { name: 'a duplicate in a YAML list', yaml: 'core:\n  executor: [queue, queue]\n', says: 'twice' },
    { name: 'a number', yaml: 'core:\n  executor: 3\n', says: 'comma-separated list of executors' },
    { name: 'a mapping', yaml: 'core:\n  executor: {local: 1}\n', says: 'comma-separated list' },
    { name: 'a number in a list', yaml: 'core:\n  executor: [local, 3]\n', says: 'unknown executor "3"' },
  ])('$name in gale.yaml', ({ yaml, says }) => {
    const error = errorOf(() => fromYaml(yaml));
    expect(error.code).toBe('GALE_ERR_CONFIG_INVALID');
    expect(error.message).toContain('core.executor');
    expect(error.message).toContain(says);
  });
});

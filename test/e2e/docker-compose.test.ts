/**
 * docker-compose.yaml, checked for structure (no registry here to pull PostgreSQL and Redis
 * images, so compose itself does not run it): the seeds' topology, every Gale service waiting for
 * healthy dependencies and for gale-init, health checks, the DAGs/logs/plugins volumes, secrets
 * from an uncommitted .env whose every variable .env.example names with valid settings.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GALE_SERVICES = ['api-server', 'scheduler', 'dag-processor', 'triggerer', 'worker'];

interface Service {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  read_only?: boolean;
  user?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const example = readFileSync(resolve(ROOT, '.env.example'), 'utf8');
const exampleVars = Object.fromEntries(
  example
    .split('\n')
    .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

describe('docker-compose.yaml', () => {
  it('has the topology: postgres, redis, gale-init and the five Gale services from one image', () => {
    expect(Object.keys(services).sort()).toEqual(['postgres', 'redis', 'gale-init', ...GALE_SERVICES].sort());
    for (const name of GALE_SERVICES) {
      expect(services[name]?.command, name).toEqual([name]);
      expect(services[name]?.image, name).toBe(services['gale-init']?.image);
    }
    expect(services['gale-init']?.entrypoint).toEqual(['/usr/bin/tini', '--', 'gale-init']);
    expect(services.scheduler?.environment?.GALE__CORE__EXECUTOR).toBe('queue');
  });

  it('starts each service only when what it needs is healthy (or, for gale-init, done)', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'gale-init') {
        expect(service.healthcheck?.test?.length, `${name} has a health check`).toBeGreaterThan(0);
        expect(service.healthcheck?.disable, name).toBeUndefined();
      }
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[target], `${name} depends on ${target}`).toBeDefined();
        const expected = target === 'gale-init' ? 'service_completed_successfully' : 'service_healthy';
        expect(condition, `${name} → ${target}`).toBe(expected);
      }
    }
    expect(Object.keys(services['gale-init']?.depends_on ?? {})).toEqual(['postgres']);
    for (const name of GALE_SERVICES) {
      expect(Object.keys(services[name]?.depends_on ?? {}), name).toEqual(
        expect.arrayContaining(['postgres', 'redis', 'gale-init']),
      );
    }
    // workers' task processes call the API server (the task execution API)
    expect(services.worker?.depends_on?.['api-server']?.condition).toBe('service_healthy');
  });

  it('mounts DAGs, logs and plugins, runs read-only as the image user, with secrets from .env', () => {
    for (const name of ['gale-init', ...GALE_SERVICES]) {
      const service = services[name] as Service;
      const targets = (service.volumes ?? []).map((v) => v.split(':')[1]);
      expect(targets, name).toEqual(
        expect.arrayContaining(['/opt/gale-home/dags', '/opt/gale-home/logs', '/opt/gale-home/plugins']),
      );
      expect(service.read_only, name).toBe(true);
      expect(service.env_file, name).toBe('.env');
      expect(service.user, name).toMatch(/^\$\{GALE_UID:-50000\}:0$/);
      expect(service.environment?.GALE__DATABASE__URL, name).toMatch(/^postgresql:\/\/.*@postgres:5432\//);
    }
    expect(Object.keys(compose.volumes)).toContain('gale-logs');
  });

  it('names every variable it uses in .env.example, with valid Gale settings; .env stays uncommitted', () => {
    const text = readFileSync(resolve(ROOT, 'docker-compose.yaml'), 'utf8');
    const used = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string);
    for (const name of new Set(used)) expect(Object.keys(exampleVars), name).toContain(name);
    for (const name of [
      'GALE__API__SECRET_KEY',
      'GALE_ADMIN_USERNAME',
      'GALE_ADMIN_PASSWORD',
      'POSTGRES_PASSWORD',
    ]) {
      expect(Object.keys(exampleVars)).toContain(name);
    }
    // every GALE__SECTION__KEY of the example is a real setting with a valid value
    const galeVars = Object.fromEntries(Object.entries(exampleVars).filter(([k]) => k.startsWith('GALE__')));
    expect(() => loadConfig({ GALE_HOME: '/opt/gale-home', ...galeVars })).not.toThrow();
    expect(readFileSync(resolve(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    const tracked = spawnSync('git', ['ls-files', '--', '.env'], { cwd: ROOT, encoding: 'utf8' });
    expect(tracked.stdout.trim()).toBe('');
    const ignore = readFileSync(resolve(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/.env']));
  });
});

/**
 * Loads the configuration once: defaults, then $GALE_HOME/gale.yaml, then GALE__SECTION__KEY
 * environment variables. Validates every value, fails fast naming the setting, and freezes it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { GaleError } from '../models/index.js';
import { type GaleConfig, SETTINGS, type SectionName } from './schema.js';

export type ConfigSource = 'default' | 'file' | 'env';

export interface LoadedConfig {
  readonly home: string;
  readonly config: GaleConfig;
  /** where each `section.key` came from */
  readonly sources: ReadonlyMap<string, ConfigSource>;
  readonly file: string;
}

export function resolveGaleHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.GALE_HOME ?? join(homedir(), 'gale'));
}

function unknownKey(name: string, where: string): GaleError {
  const sections = Object.keys(SETTINGS).join(', ');
  return new GaleError('GALE_ERR_CONFIG_UNKNOWN_KEY', `Unknown setting ${name} (in ${where})`, {
    hint: `Sections are ${sections}; run "gale config list" to see every setting.`,
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const home = resolveGaleHome(env);
  const file = join(home, 'gale.yaml');
  const raw: Record<string, Record<string, unknown>> = {};
  const sources = new Map<string, ConfigSource>();

  if (existsSync(file)) {
    // Loaded only when there is a file: processes configured by environment alone skip it.
    const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new GaleError(
        'GALE_ERR_CONFIG_INVALID',
        `${file} is not valid YAML: ${(error as Error).message}`,
        {
          hint: 'Fix the YAML syntax, or remove the file to use the defaults.',
          cause: error,
        },
      );
    }
    if (parsed != null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new GaleError('GALE_ERR_CONFIG_INVALID', `${file} must be a mapping of sections`, {
        hint: 'Write it as "core:\\n  parallelism: 8".',
      });
    }
    for (const [section, values] of Object.entries(parsed ?? {})) {
      if (!(section in SETTINGS)) throw unknownKey(section, file);
      if (values == null) continue;
      if (typeof values !== 'object' || Array.isArray(values)) {
        throw new GaleError('GALE_ERR_CONFIG_INVALID', `Section ${section} in ${file} must be a mapping`);
      }
      for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
        if (!(key in SETTINGS[section as SectionName])) throw unknownKey(`${section}.${key}`, file);
        raw[section] ??= {};
        raw[section][key] = value;
        sources.set(`${section}.${key}`, 'file');
      }
    }
  }

  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('GALE__') || value === undefined) continue;
    const match = /^GALE__([A-Z0-9_]+?)__([A-Z0-9_]+)$/.exec(name);
    const section = match?.[1]?.toLowerCase();
    const key = match?.[2]?.toLowerCase();
    if (!section || !key || !(section in SETTINGS) || !(key in SETTINGS[section as SectionName])) {
      throw unknownKey(name, 'the environment');
    }
    raw[section] ??= {};
    raw[section][key] = value;
    sources.set(`${section}.${key}`, 'env');
  }

  const config: Record<string, Record<string, unknown>> = {};
  for (const [section, defs] of Object.entries(SETTINGS)) {
    const out: Record<string, unknown> = {};
    for (const [key, d] of Object.entries(defs)) {
      const name = `${section}.${key}`;
      const given = raw[section]?.[key];
      const value =
        given === undefined ? (typeof d.default === 'function' ? d.default(home) : d.default) : given;
      if (given === undefined) sources.set(name, 'default');
      const result = d.schema.safeParse(value);
      if (!result.success) {
        const where =
          sources.get(name) === 'env' ? `GALE__${section.toUpperCase()}__${key.toUpperCase()}` : name;
        throw new GaleError(
          'GALE_ERR_CONFIG_INVALID',
          `Invalid value ${JSON.stringify(value)} for ${where}: ${result.error.issues[0]?.message ?? 'invalid'}`,
          { hint: `${name}: ${d.description}` },
        );
      }
      out[key] = result.data;
    }
    config[section] = Object.freeze(out);
  }
  return Object.freeze({ home, config: Object.freeze(config) as unknown as GaleConfig, sources, file });
}

/** Every setting as `section.key`, its value, where it came from and what it means. */
export function listSettings(
  loaded: LoadedConfig,
): { name: string; value: unknown; source: ConfigSource; description: string }[] {
  const rows = [];
  for (const [section, defs] of Object.entries(SETTINGS)) {
    for (const [key, d] of Object.entries(defs)) {
      const name = `${section}.${key}`;
      const value = (loaded.config as unknown as Record<string, Record<string, unknown>>)[section]?.[key];
      rows.push({
        name,
        // a list (core.executor) shows as it is written in GALE__SECTION__KEY: comma-separated
        value: Array.isArray(value) ? value.join(',') : value,
        source: loaded.sources.get(name) ?? 'default',
        description: d.description,
      });
    }
  }
  return rows;
}

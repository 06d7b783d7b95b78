/**
 * `gale variables ...`, `gale connections ...`, and the encryption key: `gale fernet-key` prints a
 * new key, `gale rotate-fernet-key` re-encrypts every secret with the first key of
 * core.fernet_key. Values are read from stdin with `-` so they stay out of shell history.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  type Connection,
  connectionFromUri,
  deleteConnection,
  deleteVariable,
  fernetKeys,
  generateFernetKey,
  listConnections,
  listVariables,
  recordAudit,
  requireConnection,
  requireVariable,
  rotateSecrets,
  SecretBox,
  setConnection,
  setVariable,
} from '../db/index.js';
import { GaleError } from '../models/index.js';
import { type CliEnv, withEnv } from './environment.js';
import { parseOutputFormat, printRows } from './output.js';

const ALL = { limit: 1_000_000, offset: 0 };

/** standalone's key when none is configured: made once in $GALE_HOME/fernet_key (0600), like its secret key. */
export function ensureStandaloneFernetKey(env: CliEnv): void {
  if (env.loaded.config.core.fernet_key !== '') return;
  const file = join(env.loaded.home, 'fernet_key');
  if (!existsSync(file)) writeFileSync(file, generateFernetKey(), { mode: 0o600 });
}

export function secretBox(env: CliEnv): SecretBox {
  return new SecretBox(fernetKeys(env.loaded.config.core.fernet_key, env.loaded.home));
}

function valueArg(value: string): string {
  return value === '-' ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : value;
}

/** What `connections get/list` show: never the password, only whether there is one. */
function shown(c: Connection): Record<string, unknown> {
  return {
    conn_id: c.connId,
    conn_type: c.connType,
    host: c.host,
    schema: c.schema,
    login: c.login,
    password: c.password === null ? null : '***',
    port: c.port,
    extra: c.extra,
    description: c.description,
  };
}

export function registerVariableCommands(program: Command): void {
  const variables = program.command('variables').description('Manage variables (stored encrypted)');
  variables
    .command('set <key> <value>')
    .description('Create or change a variable; "-" reads the value from stdin')
    .option('-d, --description <text>', 'what the variable is for')
    .option('-j, --json', 'check that the value is JSON (for var.json in templates)')
    .action(async (key: string, valueText: string, opts: { description?: string; json?: boolean }) => {
      const value = valueArg(valueText);
      if (opts.json) {
        try {
          JSON.parse(value);
        } catch (error) {
          throw new GaleError('GALE_ERR_USAGE', `The value of ${key} is not JSON`, {
            hint: 'Fix the JSON, or leave out --json.',
            cause: error,
          });
        }
      }
      await withEnv('cli', async (env) => {
        await setVariable(env.gdb.db, secretBox(env), {
          key,
          value,
          description: opts.description,
          now: new Date(),
        });
        await recordAudit(env.gdb.db, { event: 'set_variable', extra: { key } });
        process.stdout.write(`Variable ${key} set\n`);
      });
    });
  variables
    .command('get <key>')
    .description("Print a variable's value")
    .action(async (key: string) => {
      await withEnv('cli', async (env) => {
        process.stdout.write(`${(await requireVariable(env.gdb.db, secretBox(env), key)).value}\n`);
      });
    });
  variables
    .command('list')
    .description('List variables (keys and descriptions; values with --show-values)')
    .option('--show-values', 'also print the values')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string; showValues?: boolean }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async (env) => {
        const { variables: rows } = await listVariables(env.gdb.db, secretBox(env), ALL);
        printRows(
          rows.map((v) => ({
            key: v.key,
            value: v.value,
            description: v.description,
            updated_at: v.updatedAt,
          })),
          ['key', ...(opts.showValues ? ['value'] : []), 'description', 'updated_at'],
          format,
        );
      });
    });
  variables
    .command('delete <key>')
    .description('Delete a variable')
    .action(async (key: string) => {
      await withEnv('cli', async (env) => {
        if (!(await deleteVariable(env.gdb.db, key))) await requireVariable(env.gdb.db, secretBox(env), key);
        await recordAudit(env.gdb.db, { event: 'delete_variable', extra: { key } });
        process.stdout.write(`Deleted variable ${key}\n`);
      });
    });

  variables
    .command('import <file>')
    .description(
      'Create or change variables from a JSON object file {"key": value, ...} (as Airflow\'s); non-string values are stored as JSON',
    )
    .action(async (file: string) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new GaleError('GALE_ERR_USAGE', `${file} is not a readable JSON file`, {
          hint: 'Give a file holding one JSON object: {"region": "eu-west-1", "limits": {"rows": 5}}.',
          cause: error,
        });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new GaleError('GALE_ERR_USAGE', `${file} must hold one JSON object of variables`, {
          hint: 'Write it as {"key": "value", ...}.',
        });
      }
      const entries = Object.entries(parsed as Record<string, unknown>);
      await withEnv('cli', async (env) => {
        const box = secretBox(env);
        await env.gdb.db.transaction().execute(async (tx) => {
          for (const [key, value] of entries) {
            await setVariable(tx, box, {
              key,
              value: typeof value === 'string' ? value : JSON.stringify(value),
              now: new Date(),
            });
          }
        });
        await recordAudit(env.gdb.db, { event: 'import_variables', extra: { count: entries.length } });
        process.stdout.write(`Imported ${entries.length} variable(s)\n`);
      });
    });
  variables
    .command('export <file>')
    .description('Write every variable to a JSON object file (values in clear: keep the file safe)')
    .action(async (file: string) => {
      await withEnv('cli', async (env) => {
        const { variables: rows } = await listVariables(env.gdb.db, secretBox(env), ALL);
        const json = JSON.stringify(Object.fromEntries(rows.map((v) => [v.key, v.value])), null, 2);
        writeFileSync(file, `${json}\n`, { mode: 0o600 });
        process.stdout.write(`Exported ${rows.length} variable(s) to ${file}\n`);
      });
    });

  const connections = program
    .command('connections')
    .description('Manage connections (passwords stored encrypted)');
  connections
    .command('add <conn_id>')
    .description('Create or replace a connection, from a URI or from its fields')
    .option('--conn-uri <uri>', 'type://login:password@host:port/schema?key=value ("-" reads it from stdin)')
    .option('--conn-type <type>', 'the connection type (postgres, http, ...)')
    .option('--conn-host <host>')
    .option('--conn-schema <schema>')
    .option('--conn-login <login>')
    .option('--conn-password <password>', '"-" reads it from stdin')
    .option('--conn-port <port>')
    .option('--conn-extra <json>', 'extra fields as a JSON object')
    .option('--conn-description <text>')
    .action(async (connId: string, o: Record<string, string | undefined>) => {
      let c: Connection;
      if (o.connUri) {
        c = connectionFromUri(connId, valueArg(o.connUri));
      } else {
        if (!o.connType)
          throw new GaleError('GALE_ERR_USAGE', 'A connection needs --conn-uri or --conn-type', {
            hint: 'For example: gale connections add my_db --conn-uri postgres://user:pass@host:5432/db',
          });
        const port = o.connPort === undefined ? null : Number(o.connPort);
        if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535))
          throw new GaleError('GALE_ERR_USAGE', `--conn-port "${o.connPort}" is not a port number`);
        c = {
          connId,
          connType: o.connType,
          description: null,
          host: o.connHost ?? null,
          schema: o.connSchema ?? null,
          login: o.connLogin ?? null,
          password: o.connPassword === undefined ? null : valueArg(o.connPassword),
          port,
          extra: null,
        };
      }
      if (o.connExtra !== undefined) {
        try {
          const parsed: unknown = JSON.parse(o.connExtra);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
            throw new Error('not an object');
        } catch (error) {
          throw new GaleError('GALE_ERR_USAGE', '--conn-extra is not a JSON object', {
            hint: 'Write it as \'{"key": "value"}\'.',
            cause: error,
          });
        }
        c.extra = o.connExtra;
      }
      if (o.connDescription !== undefined) c.description = o.connDescription;
      await withEnv('cli', async (env) => {
        await setConnection(env.gdb.db, secretBox(env), c, new Date());
        await recordAudit(env.gdb.db, { event: 'set_connection', extra: { conn_id: connId } });
        process.stdout.write(`Connection ${connId} saved\n`);
      });
    });
  connections
    .command('get <conn_id>')
    .description('Show a connection (its password masked)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (connId: string, opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async (env) => {
        const c = await requireConnection(env.gdb.db, secretBox(env), connId);
        printRows([shown(c)], Object.keys(shown(c)), format);
      });
    });
  connections
    .command('list')
    .description('List connections (passwords masked)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async (env) => {
        const { connections: rows } = await listConnections(env.gdb.db, secretBox(env), ALL);
        printRows(
          rows.map(shown),
          ['conn_id', 'conn_type', 'host', 'port', 'schema', 'login', 'password'],
          format,
        );
      });
    });
  connections
    .command('delete <conn_id>')
    .description('Delete a connection')
    .action(async (connId: string) => {
      await withEnv('cli', async (env) => {
        if (!(await deleteConnection(env.gdb.db, connId)))
          await requireConnection(env.gdb.db, secretBox(env), connId);
        await recordAudit(env.gdb.db, { event: 'delete_connection', extra: { conn_id: connId } });
        process.stdout.write(`Deleted connection ${connId}\n`);
      });
    });

  program
    .command('fernet-key')
    .description('Print a new key for core.fernet_key')
    .action(() => {
      process.stdout.write(`${generateFernetKey()}\n`);
    });
  program
    .command('rotate-fernet-key')
    .description('Re-encrypt every variable and connection secret with the first key of core.fernet_key')
    .action(async () => {
      await withEnv('cli', async (env) => {
        const changed = await rotateSecrets(env.gdb.db, secretBox(env));
        await recordAudit(env.gdb.db, { event: 'rotate_fernet_key', extra: { changed } });
        process.stdout.write(`Re-encrypted ${changed} stored value(s) with the first key\n`);
      });
    });
}

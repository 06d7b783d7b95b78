/** `gale users create|list|delete|reset-password` and `gale roles list`. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  hashPassword,
  isRole,
  passwordProblem,
  ROLE_DESCRIPTIONS,
  ROLES,
  randomPassword,
} from '../api/index.js';
import { createUser, deleteUser, listUsers, recordAudit, setUserPassword } from '../db/index.js';
import { GaleError, isGaleError } from '../models/index.js';
import { withEnv } from './environment.js';
import { parseOutputFormat, printRows } from './output.js';

/** The password from stdin (first line), or a random one that is printed once. */
function choosePassword(fromStdin: boolean | undefined): { password: string; generated: boolean } {
  if (!fromStdin) return { password: randomPassword(), generated: true };
  const password = readFileSync(0, 'utf8').split('\n')[0] ?? '';
  const problem = passwordProblem(password);
  if (problem) throw new GaleError('GALE_ERR_USAGE', `The password on stdin is too weak: ${problem}`);
  return { password, generated: false };
}

interface CreateOptions {
  username: string;
  role: string;
  email?: string;
  passwordStdin?: boolean;
  ifNotExists?: boolean;
}

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('Users of the API and web UI');
  users
    .command('create')
    .description('Create a user; without --password-stdin a random password is printed once')
    .requiredOption('-u, --username <name>', 'login name')
    .requiredOption('-r, --role <role>', `one of ${ROLES.join(', ')}`)
    .option('-e, --email <email>', 'e-mail address')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--if-not-exists', 'succeed without changing anything when the user exists (for install jobs)')
    .action(async (opts: CreateOptions) => {
      if (!isRole(opts.role)) {
        throw new GaleError('GALE_ERR_USAGE', `Unknown role "${opts.role}"`, {
          hint: `Use one of ${ROLES.join(', ')} ("gale roles list" says what each may do).`,
        });
      }
      if (!/^[A-Za-z0-9_.@-]{1,256}$/.test(opts.username)) {
        throw new GaleError('GALE_ERR_USAGE', `Invalid username "${opts.username}"`, {
          hint: 'Use letters, digits and _ . @ - only.',
        });
      }
      const { password, generated } = choosePassword(opts.passwordStdin);
      const created = await withEnv('cli', async ({ gdb }) => {
        try {
          await createUser(gdb.db, {
            username: opts.username,
            passwordHash: await hashPassword(password),
            role: opts.role,
            email: opts.email ?? null,
            now: new Date(),
          });
        } catch (error) {
          if (opts.ifNotExists && isGaleError(error) && error.code === 'GALE_ERR_USER_EXISTS') return false;
          throw error;
        }
        await recordAudit(gdb.db, {
          event: 'user.create',
          extra: { username: opts.username, role: opts.role },
        });
        return true;
      });
      if (!created) {
        // its role and password stay as they are: an install job must not undo an admin's changes
        process.stdout.write(`User ${opts.username} already exists; left unchanged (--if-not-exists)\n`);
        return;
      }
      process.stdout.write(`User ${opts.username} created with role ${opts.role}\n`);
      if (generated) process.stdout.write(`password: ${password}\n(shown this once)\n`);
    });
  users
    .command('list')
    .description('List users and their roles')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async ({ gdb }) => {
        const rows = (await listUsers(gdb.db)).map(({ password_hash: _, ...u }) => u);
        printRows(rows, ['username', 'role', 'email', 'is_active', 'created_at', 'last_login'], format);
      });
    });
  users
    .command('delete <username>')
    .description('Delete a user (its tokens stop working at once)')
    .option('--yes', 'confirm')
    .action(async (username: string, opts: { yes?: boolean }) => {
      if (!opts.yes)
        throw new GaleError('GALE_ERR_USAGE', 'Deleting a user cannot be undone', {
          hint: 'Add --yes to confirm.',
        });
      await withEnv('cli', async ({ gdb }) => {
        await deleteUser(gdb.db, username);
        await recordAudit(gdb.db, { event: 'user.delete', extra: { username } });
      });
      process.stdout.write(`User ${username} deleted\n`);
    });
  users
    .command('reset-password <username>')
    .description('Set a new password; without --password-stdin a random one is printed once')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .action(async (username: string, opts: { passwordStdin?: boolean }) => {
      const { password, generated } = choosePassword(opts.passwordStdin);
      await withEnv('cli', async ({ gdb }) => {
        await setUserPassword(gdb.db, username, await hashPassword(password));
        await recordAudit(gdb.db, { event: 'user.reset_password', extra: { username } });
      });
      process.stdout.write(`Password of ${username} changed\n`);
      if (generated) process.stdout.write(`password: ${password}\n(shown this once)\n`);
    });

  program
    .command('roles')
    .description('Roles of users')
    .command('list')
    .description('List the roles and what each may do')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((opts: { output: string }) => {
      printRows(
        ROLES.map((role) => ({ role, permissions: ROLE_DESCRIPTIONS[role] })),
        ['role', 'permissions'],
        parseOutputFormat(opts.output),
      );
    });
}

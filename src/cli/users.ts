/**
 * `gale users create|update|list|delete|reset-password` and `gale roles list`. `--dag-ids` and
 * `--dag-tags` limit the DAGs a user sees in the API and UI (an Admin always sees every DAG).
 */
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
import {
  createUser,
  deleteUser,
  listUsers,
  recordAudit,
  requireUser,
  setUserPassword,
  type UserRow,
  updateUser,
  userDagAccess,
} from '../db/index.js';
import {
  ALL_DAGS,
  type DagAccess,
  describeDagAccess,
  GaleError,
  isGaleError,
  parseNameList,
} from '../models/index.js';
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

interface DagAccessOptions {
  dagIds?: string;
  dagTags?: string;
  allDags?: boolean;
}

interface CreateOptions extends DagAccessOptions {
  username: string;
  role: string;
  email?: string;
  passwordStdin?: boolean;
  ifNotExists?: boolean;
}

function requireRole(role: string): void {
  if (!isRole(role)) {
    throw new GaleError('GALE_ERR_USAGE', `Unknown role "${role}"`, {
      hint: `Use one of ${ROLES.join(', ')} ("gale roles list" says what each may do).`,
    });
  }
}

/** The DAG access the options ask for, from `current`; undefined when they change nothing. */
function dagAccessFrom(opts: DagAccessOptions, current: DagAccess): DagAccess | undefined {
  if (opts.allDags) {
    if (opts.dagIds !== undefined || opts.dagTags !== undefined) {
      throw new GaleError('GALE_ERR_USAGE', '--all-dags cannot be combined with --dag-ids or --dag-tags', {
        hint: 'Give --all-dags alone to lift the limits, or the lists alone to set them.',
      });
    }
    return ALL_DAGS;
  }
  if (opts.dagIds === undefined && opts.dagTags === undefined) return undefined;
  return {
    dagIds: opts.dagIds === undefined ? current.dagIds : parseNameList(opts.dagIds),
    dagTags: opts.dagTags === undefined ? current.dagTags : parseNameList(opts.dagTags),
  };
}

/** What `gale users list` shows of the DAGs a user may see. */
function dagAccessText(user: Pick<UserRow, 'role' | 'dag_ids' | 'dag_tags'>): string {
  return user.role === 'Admin' ? 'all (Admin)' : describeDagAccess(userDagAccess(user));
}

const DAG_IDS_HELP = 'limit the user to these DAG ids (comma-separated; with --dag-tags: either suffices)';
const DAG_TAGS_HELP = 'limit the user to the DAGs with one of these tags (comma-separated)';

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
    .option('--dag-ids <ids>', DAG_IDS_HELP)
    .option('--dag-tags <tags>', DAG_TAGS_HELP)
    .action(async (opts: CreateOptions) => {
      requireRole(opts.role);
      const dagAccess = dagAccessFrom(opts, ALL_DAGS) ?? ALL_DAGS;
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
            dagAccess,
            now: new Date(),
          });
        } catch (error) {
          if (opts.ifNotExists && isGaleError(error) && error.code === 'GALE_ERR_USER_EXISTS') return false;
          throw error;
        }
        await recordAudit(gdb.db, {
          event: 'user.create',
          extra: { username: opts.username, role: opts.role, dag_access: describeDagAccess(dagAccess) },
        });
        return true;
      });
      if (!created) {
        // its role and password stay as they are: an install job must not undo an admin's changes
        process.stdout.write(`User ${opts.username} already exists; left unchanged (--if-not-exists)\n`);
        return;
      }
      process.stdout.write(
        `User ${opts.username} created with role ${opts.role}, DAGs: ${describeDagAccess(dagAccess)}\n`,
      );
      if (generated) process.stdout.write(`password: ${password}\n(shown this once)\n`);
    });
  users
    .command('list')
    .description('List users and their roles')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async ({ gdb }) => {
        const rows = (await listUsers(gdb.db)).map(({ password_hash: _, ...u }) => ({
          ...u,
          dag_access: dagAccessText(u),
        }));
        printRows(
          rows,
          ['username', 'role', 'email', 'is_active', 'dag_access', 'created_at', 'last_login'],
          format,
        );
      });
    });
  users
    .command('update <username>')
    .description("Change a user's role or the DAGs it may see (an Admin always sees every DAG)")
    .option('-r, --role <role>', `one of ${ROLES.join(', ')}`)
    .option('--dag-ids <ids>', `${DAG_IDS_HELP}; "" for none by id`)
    .option('--dag-tags <tags>', `${DAG_TAGS_HELP}; "" for none by tag`)
    .option('--all-dags', 'lift the limits: the user sees every DAG')
    .action(async (username: string, opts: DagAccessOptions & { role?: string }) => {
      if (opts.role !== undefined) requireRole(opts.role);
      const user = await withEnv('cli', async ({ gdb }) => {
        const before = await requireUser(gdb.db, username);
        const dagAccess = dagAccessFrom(opts, userDagAccess(before));
        if (dagAccess === undefined && opts.role === undefined) {
          throw new GaleError('GALE_ERR_USAGE', 'Nothing to change', {
            hint: 'Give --role, --dag-ids, --dag-tags or --all-dags.',
          });
        }
        if (opts.role !== undefined && opts.role !== 'Admin' && before.role === 'Admin') {
          const admins = (await listUsers(gdb.db)).filter((u) => u.role === 'Admin' && u.is_active === 1);
          if (admins.every((u) => u.username === username)) {
            throw new GaleError('GALE_ERR_LAST_ADMIN', `${username} is the last active Admin`, {
              hint: 'Make another user an active Admin first.',
            });
          }
        }
        const after = await updateUser(gdb.db, username, { role: opts.role, dagAccess });
        await recordAudit(gdb.db, {
          event: 'user.update',
          extra: { username, role: after.role, dag_access: dagAccessText(after) },
        });
        return after;
      });
      process.stdout.write(`User ${username}: role ${user.role}, DAGs: ${dagAccessText(user)}\n`);
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

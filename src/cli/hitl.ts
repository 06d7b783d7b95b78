/**
 * `gale hitl list` and `gale hitl respond`: the human-in-the-loop requests of waiting tasks, and
 * answering one from the command line, recorded with who answered (--as, else the OS user).
 * Thin: the checks live in db/hitl-repository.ts and models/hitl.ts, shared with the API.
 */
import type { Command } from 'commander';
import {
  currentUser,
  getUser,
  hitlDetailJson,
  listHitlDetails,
  recordAudit,
  respondToHitl,
} from '../db/index.js';
import { GaleError } from '../models/index.js';
import { withEnv } from './environment.js';
import { parseOutputFormat, printRows } from './output.js';

function paramsArg(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GaleError('GALE_ERR_USAGE', '--params is not JSON', {
      hint: `Give a JSON object, e.g. --params '{"amount": 5}'.`,
      cause: error,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GaleError('GALE_ERR_USAGE', '--params must be a JSON object', {
      hint: `Give a JSON object, e.g. --params '{"amount": 5}'.`,
    });
  }
  return value as Record<string, unknown>;
}

function mapIndexArg(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < -1)
    throw new GaleError('GALE_ERR_USAGE', `--map-index must be an integer >= -1, not "${text}"`);
  return n;
}

const TABLE_COLUMNS = [
  'dag_id',
  'dag_run_id',
  'task_id',
  'map_index',
  'ti_state',
  'subject',
  'options',
  'chosen_options',
  'responded_by',
];

export function registerHitlCommands(program: Command): void {
  const hitl = program.command('hitl').description('Human-in-the-loop requests: list them and answer them');
  hitl
    .command('list')
    .description('List human-in-the-loop requests, newest first')
    .option('--pending', 'only those that wait for an answer')
    .option('-d, --dag-id <dag_id>', 'only this DAG')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { pending?: boolean; dagId?: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async (env) => {
        const { details } = await listHitlDetails(env.gdb.db, {
          dagId: opts.dagId,
          pending: opts.pending ? true : undefined,
          limit: 1_000_000,
          offset: 0,
        });
        const rows = details.map(hitlDetailJson);
        if (format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else printRows(rows, TABLE_COLUMNS, format);
      });
    });
  hitl
    .command('respond <dag_id> <run_id> <task_id>')
    .description('Answer a human-in-the-loop request; the task resumes with the answer')
    .option('--map-index <n>', 'the mapped task instance (-1: not mapped)', mapIndexArg, -1)
    .option('--choose <option...>', 'the chosen option(s); may be left out when the request offers one')
    .option('--params <json>', "the form's params, a JSON object checked against their schemas")
    .option('--as <username>', 'who answers (default: the OS user); checked against the assignees')
    .action(
      async (
        dagId: string,
        runId: string,
        taskId: string,
        opts: { mapIndex: number; choose?: string[]; params?: string; as?: string },
      ) => {
        const paramsInput = paramsArg(opts.params);
        await withEnv('cli', async (env) => {
          const username = opts.as ?? currentUser();
          const user = await getUser(env.gdb.db, username);
          const detail = await respondToHitl(env.gdb.db, {
            key: { dagId, runId, taskId, mapIndex: opts.mapIndex },
            answer: { chosenOptions: opts.choose ?? [], paramsInput },
            responder: { username, mayAnswerAny: user?.role === 'Admin' },
            now: new Date(),
          });
          await recordAudit(env.gdb.db, {
            event: 'hitl_respond',
            dagId,
            runId,
            taskId,
            owner: username,
            extra: { chosen_options: detail.response?.chosenOptions ?? [] },
          });
          process.stdout.write(
            `Answered ${detail.response?.chosenOptions.join(', ')} to "${detail.request.subject}" as ${username}\n`,
          );
        });
      },
    );
}

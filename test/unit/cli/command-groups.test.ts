/** The CLI loads only the command group a command line names (command-groups.ts). */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_GROUPS, groupsFor } from '../../../src/cli/command-groups.js';

describe('COMMAND_GROUPS', () => {
  it.each(COMMAND_GROUPS.map((g) => [g.names.join(', '), g] as const))(
    'names exactly the top-level commands its module registers: %s',
    async (_, group) => {
      const program = new Command('gale');
      (await group.load())(program);
      expect(program.commands.map((c) => c.name())).toEqual(group.names);
    },
  );

  it('gives each top-level command to one group', () => {
    const names = COMMAND_GROUPS.flatMap((g) => g.names);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('groupsFor', () => {
  const argv = (...args: string[]) => ['node', 'gale', ...args];
  it.each([
    { args: ['dags', 'list'], names: [['dags']] },
    { args: ['scheduler'], names: [['standalone', 'scheduler', 'dag-processor']] },
    {
      args: ['connections', 'list'],
      names: [['variables', 'connections', 'fernet-key', 'rotate-fernet-key']],
    },
    { args: ['roles'], names: [['users', 'roles']] },
  ])('loads only the group of `gale $args`', ({ args, names }) => {
    expect(groupsFor(argv(...args)).map((g) => g.names)).toEqual(names);
  });

  it.each([[[]], [['--help']], [['-V']], [['dag', 'list']], [['help', 'dags']]])(
    'loads every group for `gale %s` (help, version, a typo)',
    (args) => {
      expect(groupsFor(argv(...args))).toBe(COMMAND_GROUPS);
    },
  );
});

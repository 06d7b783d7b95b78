/**
 * The CLI's command groups: the top-level commands each registers, and its module, imported only
 * when needed. `gale dags list` loads the dags group alone (about half of Gale's modules: the API
 * server, metrics and the worker stay unloaded); help, a bare `gale` and an unknown command load
 * every group, so that help lists them all and a typo gets its suggestion.
 */
import type { Command } from 'commander';

export interface CommandGroup {
  /** the top-level commands the group registers (test/unit/cli/command-groups.test.ts checks them) */
  names: readonly string[];
  load(): Promise<(program: Command) => void>;
}

/** In the order `gale --help` lists them. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    names: ['standalone', 'scheduler', 'dag-processor'],
    load: async () => (await import('./services.js')).registerServiceCommands,
  },
  { names: ['triggerer'], load: async () => (await import('./triggerer.js')).registerTriggererCommands },
  { names: ['dags'], load: async () => (await import('./dags.js')).registerDagCommands },
  { names: ['backfill'], load: async () => (await import('./backfill.js')).registerBackfillCommands },
  { names: ['assets'], load: async () => (await import('./assets.js')).registerAssetCommands },
  { names: ['tasks'], load: async () => (await import('./tasks.js')).registerTaskCommands },
  { names: ['pools'], load: async () => (await import('./pools.js')).registerPoolCommands },
  {
    names: ['variables', 'connections', 'fernet-key', 'rotate-fernet-key'],
    load: async () => (await import('./variables.js')).registerVariableCommands,
  },
  { names: ['hitl'], load: async () => (await import('./hitl.js')).registerHitlCommands },
  { names: ['worker', 'workers'], load: async () => (await import('./worker.js')).registerWorkerCommands },
  { names: ['api-server'], load: async () => (await import('./api.js')).registerApiCommands },
  { names: ['users', 'roles'], load: async () => (await import('./users.js')).registerUserCommands },
  { names: ['db'], load: async () => (await import('./db.js')).registerDbCommands },
  { names: ['version', 'info'], load: async () => (await import('./info.js')).registerInfoCommands },
  { names: ['config'], load: async () => (await import('./config.js')).registerConfigCommands },
];

/** The groups a command line needs: the one naming its first argument, or all of them. */
export function groupsFor(argv: readonly string[]): readonly CommandGroup[] {
  const first = argv[2];
  const group = COMMAND_GROUPS.find((g) => first !== undefined && g.names.includes(first));
  return group ? [group] : COMMAND_GROUPS;
}

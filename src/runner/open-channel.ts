/**
 * Opens what a task process reaches the metadata with: its channel (the task execution API when
 * its executor gave it a URL in GALE_EXECUTION_API_URL, the process then has no database
 * settings; else the database) and its watchdog thread, which opens a channel of its own.
 */
import type { LoadedConfig } from '../config/index.js';
import { fernetKeys, openDatabase, SecretBox } from '../db/index.js';
import { DbTryChannel } from './db-try-channel.js';
import { HttpTryChannel } from './http-try-channel.js';
import type { ChannelSettings, TryChannel } from './try-channel.js';
import { WatchdogHandle } from './watchdog-handle.js';

export const EXECUTION_API_URL_ENV = 'GALE_EXECUTION_API_URL';
export const EXECUTION_API_TOKEN_ENV = 'GALE_EXECUTION_API_TOKEN';

export function openChannel(settings: ChannelSettings, poolSize: number): TryChannel {
  return settings.kind === 'http'
    ? new HttpTryChannel({ url: settings.url })
    : new DbTryChannel(
        openDatabase({ ...settings.database, pool_size: poolSize }),
        new SecretBox(settings.fernetKeys),
        true,
      );
}

export interface TaskProcessChannel {
  channel: TryChannel;
  watchdog: WatchdogHandle;
  /** Hands the channel and the watchdog the try's token, when the process uses the API. */
  giveToken(tiId: string, tryNumber: number, token: string | undefined): void;
}

/** The channel and watchdog of a task process that leads its own process group. */
export function openTaskProcessChannel(env: NodeJS.ProcessEnv, loaded: LoadedConfig): TaskProcessChannel {
  const { config, home } = loaded;
  const url = env[EXECUTION_API_URL_ENV];
  const settings: ChannelSettings = url
    ? { kind: 'http', url }
    : { kind: 'db', database: config.database, fernetKeys: fernetKeys(config.core.fernet_key, home) };
  const channel = openChannel(settings, 2);
  const watchdog = new WatchdogHandle(
    {
      channel: settings,
      heartbeatMs: config.scheduler.task_instance_heartbeat_sec * 1000,
      killGraceMs: config.core.killed_task_cleanup_time * 1000,
      isGroupLeader: true,
    },
    (token) => {
      if (channel instanceof HttpTryChannel) channel.setToken(token);
    },
  );
  return {
    channel,
    watchdog,
    giveToken(tiId, tryNumber, token) {
      if (token === undefined || !(channel instanceof HttpTryChannel)) return;
      channel.setToken(token);
      watchdog.setToken(tiId, tryNumber, token);
    },
  };
}

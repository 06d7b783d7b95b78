/**
 * Notifiers (Airflow's BaseNotifier, as SlackWebhookNotifier): a callback that posts a message to
 * a webhook, usable wherever a callback goes, task (onFailure, onRetry, ...) or DAG (onFailure,
 * deadline). The payload is Slack's incoming-webhook shape ({ text }), which Mattermost, Rocket.Chat,
 * Discord's /slack endpoint and Teams' workflows also accept. A notifier that cannot post throws,
 * which its caller logs; it never changes a try or a run.
 */
import { GaleError } from '../models/index.js';

/** What a message is made from: a task callback's context or a DAG callback's. */
export interface NotificationInfo {
  dagId: string;
  runId: string;
  taskId?: string;
  tryNumber?: number;
  /** a DAG callback's run state */
  runState?: string;
  /** a DAG callback's reason (success, task_failure, timed_out, deadline_missed) */
  reason?: string | null;
  /** a task callback's error */
  error?: string;
}

export interface WebhookNotifierOptions {
  /** the webhook's URL; a function reads it when the notifier runs (e.g. from process.env) */
  url: string | (() => string | undefined);
  /** the message: `{{ dag_id }}`, `{{ run_id }}`, `{{ task_id }}`, `{{ try_number }}`, `{{ reason }}`, `{{ run_state }}` and `{{ error }}` are replaced; or a function of the callback's info */
  text: string | ((info: NotificationInfo) => string);
  /** more fields for the payload (channel, username, icon_emoji, blocks...) */
  extra?: Record<string, unknown>;
  /** how long to wait for the webhook (default 10 s) */
  timeoutMs?: number;
}

type CallbackArgs = [ctx: NotificationInfo & { [key: string]: unknown }, error?: string];

function render(template: string, info: NotificationInfo): string {
  const values: Record<string, unknown> = {
    dag_id: info.dagId,
    run_id: info.runId,
    task_id: info.taskId,
    try_number: info.tryNumber,
    run_state: info.runState,
    reason: info.reason,
    error: info.error,
  };
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => String(values[name] ?? ''));
}

/**
 * A callback posting `{ text, ...extra }` to a webhook:
 * `onFailure: webhookNotifier({ url: () => process.env.SLACK_WEBHOOK_URL, text: ':red_circle: {{ dag_id }}.{{ task_id }} failed: {{ error }}' })`.
 */
export function webhookNotifier(options: WebhookNotifierOptions): (...args: CallbackArgs) => Promise<void> {
  return async (ctx, error) => {
    const info: NotificationInfo = {
      dagId: ctx.dagId,
      runId: ctx.runId,
      taskId: ctx.taskId,
      tryNumber: ctx.tryNumber,
      runState: ctx.runState,
      reason: ctx.reason,
      error: error ?? ctx.error,
    };
    const url = typeof options.url === 'function' ? options.url() : options.url;
    if (!url) {
      throw new GaleError('GALE_ERR_NOTIFIER', 'webhookNotifier: the webhook URL is empty', {
        hint: 'Give url a string, or a function that returns one (set the environment variable it reads).',
      });
    }
    const text = typeof options.text === 'function' ? options.text(info) : render(options.text, info);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text, ...options.extra }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (cause) {
      // the URL often holds the webhook's secret: never put it in the message
      throw new GaleError(
        'GALE_ERR_NOTIFIER',
        `webhookNotifier: the webhook could not be reached (${String(cause)})`,
        {
          cause,
        },
      );
    }
    if (!response.ok) {
      const body = (await response.text()).slice(0, 200);
      throw new GaleError(
        'GALE_ERR_NOTIFIER',
        `webhookNotifier: the webhook answered HTTP ${response.status}: ${body}`,
      );
    }
  };
}

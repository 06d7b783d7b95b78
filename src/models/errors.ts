/**
 * Every error Gale raises on purpose, each with a stable code that is never reused.
 * A user error carries a `hint` that says what to do and is printed without a stack trace;
 * anything that is not a GaleError is unexpected and is always logged with its stack.
 *
 * | code | meaning |
 * |---|---|
 * | GALE_ERR_CONFIG_INVALID | a setting in gale.yaml or GALE__SECTION__KEY has a bad value |
 * | GALE_ERR_CONFIG_UNKNOWN_KEY | a setting that does not exist was given |
 * | GALE_ERR_DAG_CYCLE | the tasks of a DAG depend on each other in a circle |
 * | GALE_ERR_DAG_DUPLICATE_TASK | two tasks of one DAG share an id |
 * | GALE_ERR_DAG_DUPLICATE_ID | two DAGs share an id |
 * | GALE_ERR_DAG_INVALID | a DAG definition breaks a rule (bad option, bad id, task outside a DAG) |
 * | GALE_ERR_SCHEDULE_INVALID | a schedule is not a cron expression, preset or interval |
 * | GALE_ERR_DAG_DATES | a DAG's start date is after its end date |
 * | GALE_ERR_UNKNOWN_POOL | a task names a pool that does not exist |
 * | GALE_ERR_DAG_NOT_FOUND | no DAG has the given id |
 * | GALE_ERR_TASK_NOT_FOUND | no task has the given id in the DAG |
 * | GALE_ERR_RUN_NOT_FOUND | no DAG run has the given id |
 * | GALE_ERR_RUN_EXISTS | a DAG run with that id or logical date already exists |
 * | GALE_ERR_CONF_INVALID | a DAG run's conf is not a JSON object |
 * | GALE_ERR_OUTPUT_TOO_LARGE | a task's output is bigger than core.max_output_size (output_store.max_bytes with the file backend) |
 * | GALE_ERR_OUTPUT_NOT_JSON | a task's output cannot be stored as JSON |
 * | GALE_ERR_OUTPUT_MISSING | an output's xcom row refers to a file (output_store file backend) that cannot be read |
 * | GALE_ERR_TASK_TIMEOUT | a try ran longer than its executionTimeout |
 * | GALE_ERR_DB_NOT_MIGRATED | the metadata database lacks migrations |
 * | GALE_ERR_USAGE | a command line argument is wrong |
 * | GALE_ERR_POOL_IN_USE | a pool cannot be deleted |
 * | GALE_ERR_DAG_IMPORT | a DAG file failed to load |
 * | GALE_ERR_PORT_IN_USE | a server's port is taken by another process (the hint names the setting) |
 * | GALE_ERR_USER_EXISTS | a user with that username already exists |
 * | GALE_ERR_USER_NOT_FOUND | no user has the given username |
 * | GALE_ERR_UNAUTHENTICATED | an API call without valid credentials (HTTP 401) |
 * | GALE_ERR_FORBIDDEN | an API call the user's role does not allow (HTTP 403) |
 * | GALE_ERR_NOT_FOUND | an API route or resource that does not exist (HTTP 404) |
 * | GALE_ERR_INVALID_REQUEST | an API request whose parameters or body break its schema (HTTP 422), or that cannot be done as asked (HTTP 400) |
 * | GALE_ERR_SECRET_KEY_MISSING | the API server needs api.secret_key to sign tokens |
 * | GALE_ERR_LOG_UNAVAILABLE | a try's log is on a worker whose log server could not be read (unreachable, or it refused the token) (HTTP 502) |
 * | GALE_ERR_EXECUTOR_NOT_CONFIGURED | a task names an executor that the scheduler does not run (core.executor) |
 * | GALE_ERR_DB_UNREACHABLE | the metadata database cannot be reached or refuses the credentials |
 * | GALE_ERR_FERNET_KEY | a secret cannot be encrypted or decrypted: core.fernet_key is missing, malformed or wrong |
 * | GALE_ERR_VARIABLE_NOT_FOUND | no variable has the given key |
 * | GALE_ERR_CONNECTION_NOT_FOUND | no connection has the given id |
 * | GALE_ERR_VARIABLE_EXISTS | a variable with that key already exists |
 * | GALE_ERR_CONNECTION_EXISTS | a connection with that id already exists |
 * | GALE_ERR_EXECUTION_API | a task process's call to the task execution API failed (unreachable, refused) |
 * | GALE_ERR_DEFERRAL_TIMEOUT | a deferred try's trigger did not fire within its timeout (Airflow's TaskDeferralTimeout) |
 * | GALE_ERR_TRIGGER_INVALID | a trigger names no built-in or defined (defineTrigger) trigger, or its arguments are wrong |
 * | GALE_ERR_TRIGGER_FAILED | a trigger failed while it waited (its deferred try fails) |
 * | GALE_ERR_CONTAINER_FAILED | a podTask's container exited with a non-zero code (the message names the code and reason), or its pod could not run it (ErrImagePull, Evicted, Pending too long) |
 * | GALE_ERR_CONTAINER_ENGINE | the container engine cannot be reached, or refused a request (image missing, bad spec) |
 * | GALE_ERR_CONTAINER_UNSUPPORTED | a podTask asks for something its container engine cannot do (secrets on docker) |
 * | GALE_ERR_CONTAINER_OUTPUT | a podTask's output file is not JSON (on the kubernetes engine: or over the 4 KiB of a termination message) |
 * | GALE_ERR_SENSOR_TIMEOUT | a sensor was not done within its timeout (Airflow's AirflowSensorTimeout; the task fails without retry) |
 * | GALE_ERR_SENSOR_FAILED | a sensor's condition can never be met (an external task in a failed state, an HTTP or SQL check that failed) |
 * | GALE_ERR_ASSET_INVALID | an asset URI, outlet or asset schedule is malformed |
 * | GALE_ERR_ASSET_NOT_FOUND | no asset has the given URI or id |
 * | GALE_ERR_LAST_ADMIN | a change would leave no active Admin user (deleting, demoting or deactivating the last one) (HTTP 409) |
 * | GALE_ERR_TEMPLATE | a template field cannot be rendered (a macro or filter given a bad date or format) |
 * | GALE_ERR_NOTIFIER | a notifier (webhookNotifier) could not post its message |
 * | GALE_ERR_SQLITE_DRIVER_ABI | the SQLite driver's native addon was built for another Node.js version (run npm rebuild better-sqlite3) |
 * | GALE_ERR_SQL_FAILED | sqlQuery or sqlSensor cannot query its connection (not postgres or sqlite, no SQLite file) |
 * | GALE_ERR_HTTP_FAILED | an httpRequest task got a non-2xx answer (5xx after its httpRetries), or its responseCheck refused the answer |
 * | GALE_ERR_MAP_INPUT_INVALID | a mapped task's expand input is not a list (or object), or expandKwargs got an element that is not an object |
 * | GALE_ERR_MAP_TOO_LONG | a mapped task would have more instances than core.max_map_length |
 * | GALE_ERR_BACKFILL_INVALID | a backfill request breaks a rule: from after to, only future dates, no periodic schedule, dependsOnPast with run-backwards or reprocess none (HTTP 422) |
 * | GALE_ERR_BACKFILL_NOT_FOUND | no backfill has the given id (HTTP 404) |
 * | GALE_ERR_BACKFILL_ACTIVE | the DAG already has a backfill that is not completed; one at a time per DAG (HTTP 409) |
 * | GALE_ERR_BACKFILL_COMPLETED | a completed (or cancelled) backfill cannot be paused, unpaused or cancelled (HTTP 409) |
 * | GALE_ERR_HITL_NOT_FOUND | no human-in-the-loop request waits for that task instance (HTTP 404) |
 * | GALE_ERR_HITL_ALREADY_RESPONDED | a human-in-the-loop request was already answered, or its task no longer waits (HTTP 409) |
 * | GALE_ERR_HITL_INVALID_RESPONSE | a human-in-the-loop answer chose options it does not offer, or its params break their schema (HTTP 400) |
 * | GALE_ERR_HITL_NOT_ASSIGNEE | a user who is not among a human-in-the-loop request's assignees (nor Admin) answered it (HTTP 403) |
 * | GALE_ERR_HITL_TIMEOUT | nobody answered a human-in-the-loop task within its timeout and it has no default outcome |
 */
export const ErrorCodes = {
  GALE_ERR_CONFIG_INVALID: 'GALE_ERR_CONFIG_INVALID',
  GALE_ERR_CONFIG_UNKNOWN_KEY: 'GALE_ERR_CONFIG_UNKNOWN_KEY',
  GALE_ERR_DAG_CYCLE: 'GALE_ERR_DAG_CYCLE',
  GALE_ERR_DAG_DUPLICATE_TASK: 'GALE_ERR_DAG_DUPLICATE_TASK',
  GALE_ERR_DAG_DUPLICATE_ID: 'GALE_ERR_DAG_DUPLICATE_ID',
  GALE_ERR_DAG_INVALID: 'GALE_ERR_DAG_INVALID',
  GALE_ERR_SCHEDULE_INVALID: 'GALE_ERR_SCHEDULE_INVALID',
  GALE_ERR_DAG_DATES: 'GALE_ERR_DAG_DATES',
  GALE_ERR_UNKNOWN_POOL: 'GALE_ERR_UNKNOWN_POOL',
  GALE_ERR_DAG_NOT_FOUND: 'GALE_ERR_DAG_NOT_FOUND',
  GALE_ERR_TASK_NOT_FOUND: 'GALE_ERR_TASK_NOT_FOUND',
  GALE_ERR_RUN_NOT_FOUND: 'GALE_ERR_RUN_NOT_FOUND',
  GALE_ERR_RUN_EXISTS: 'GALE_ERR_RUN_EXISTS',
  GALE_ERR_CONF_INVALID: 'GALE_ERR_CONF_INVALID',
  GALE_ERR_OUTPUT_TOO_LARGE: 'GALE_ERR_OUTPUT_TOO_LARGE',
  GALE_ERR_OUTPUT_NOT_JSON: 'GALE_ERR_OUTPUT_NOT_JSON',
  GALE_ERR_OUTPUT_MISSING: 'GALE_ERR_OUTPUT_MISSING',
  GALE_ERR_TASK_TIMEOUT: 'GALE_ERR_TASK_TIMEOUT',
  GALE_ERR_DB_NOT_MIGRATED: 'GALE_ERR_DB_NOT_MIGRATED',
  GALE_ERR_USAGE: 'GALE_ERR_USAGE',
  GALE_ERR_POOL_IN_USE: 'GALE_ERR_POOL_IN_USE',
  GALE_ERR_DAG_IMPORT: 'GALE_ERR_DAG_IMPORT',
  GALE_ERR_PORT_IN_USE: 'GALE_ERR_PORT_IN_USE',
  GALE_ERR_USER_EXISTS: 'GALE_ERR_USER_EXISTS',
  GALE_ERR_USER_NOT_FOUND: 'GALE_ERR_USER_NOT_FOUND',
  GALE_ERR_UNAUTHENTICATED: 'GALE_ERR_UNAUTHENTICATED',
  GALE_ERR_FORBIDDEN: 'GALE_ERR_FORBIDDEN',
  GALE_ERR_NOT_FOUND: 'GALE_ERR_NOT_FOUND',
  GALE_ERR_INVALID_REQUEST: 'GALE_ERR_INVALID_REQUEST',
  GALE_ERR_SECRET_KEY_MISSING: 'GALE_ERR_SECRET_KEY_MISSING',
  GALE_ERR_LOG_UNAVAILABLE: 'GALE_ERR_LOG_UNAVAILABLE',
  GALE_ERR_EXECUTOR_NOT_CONFIGURED: 'GALE_ERR_EXECUTOR_NOT_CONFIGURED',
  GALE_ERR_DB_UNREACHABLE: 'GALE_ERR_DB_UNREACHABLE',
  GALE_ERR_FERNET_KEY: 'GALE_ERR_FERNET_KEY',
  GALE_ERR_VARIABLE_NOT_FOUND: 'GALE_ERR_VARIABLE_NOT_FOUND',
  GALE_ERR_CONNECTION_NOT_FOUND: 'GALE_ERR_CONNECTION_NOT_FOUND',
  GALE_ERR_VARIABLE_EXISTS: 'GALE_ERR_VARIABLE_EXISTS',
  GALE_ERR_CONNECTION_EXISTS: 'GALE_ERR_CONNECTION_EXISTS',
  GALE_ERR_EXECUTION_API: 'GALE_ERR_EXECUTION_API',
  GALE_ERR_DEFERRAL_TIMEOUT: 'GALE_ERR_DEFERRAL_TIMEOUT',
  GALE_ERR_TRIGGER_INVALID: 'GALE_ERR_TRIGGER_INVALID',
  GALE_ERR_TRIGGER_FAILED: 'GALE_ERR_TRIGGER_FAILED',
  GALE_ERR_CONTAINER_FAILED: 'GALE_ERR_CONTAINER_FAILED',
  GALE_ERR_CONTAINER_ENGINE: 'GALE_ERR_CONTAINER_ENGINE',
  GALE_ERR_CONTAINER_UNSUPPORTED: 'GALE_ERR_CONTAINER_UNSUPPORTED',
  GALE_ERR_CONTAINER_OUTPUT: 'GALE_ERR_CONTAINER_OUTPUT',
  GALE_ERR_LAST_ADMIN: 'GALE_ERR_LAST_ADMIN',
  GALE_ERR_TEMPLATE: 'GALE_ERR_TEMPLATE',
  GALE_ERR_NOTIFIER: 'GALE_ERR_NOTIFIER',
  GALE_ERR_SQLITE_DRIVER_ABI: 'GALE_ERR_SQLITE_DRIVER_ABI',
  GALE_ERR_SQL_FAILED: 'GALE_ERR_SQL_FAILED',
  GALE_ERR_HTTP_FAILED: 'GALE_ERR_HTTP_FAILED',
  GALE_ERR_MAP_INPUT_INVALID: 'GALE_ERR_MAP_INPUT_INVALID',
  GALE_ERR_MAP_TOO_LONG: 'GALE_ERR_MAP_TOO_LONG',
  GALE_ERR_BACKFILL_INVALID: 'GALE_ERR_BACKFILL_INVALID',
  GALE_ERR_BACKFILL_NOT_FOUND: 'GALE_ERR_BACKFILL_NOT_FOUND',
  GALE_ERR_BACKFILL_ACTIVE: 'GALE_ERR_BACKFILL_ACTIVE',
  GALE_ERR_BACKFILL_COMPLETED: 'GALE_ERR_BACKFILL_COMPLETED',
  GALE_ERR_HITL_NOT_FOUND: 'GALE_ERR_HITL_NOT_FOUND',
  GALE_ERR_HITL_ALREADY_RESPONDED: 'GALE_ERR_HITL_ALREADY_RESPONDED',
  GALE_ERR_HITL_INVALID_RESPONSE: 'GALE_ERR_HITL_INVALID_RESPONSE',
  GALE_ERR_HITL_NOT_ASSIGNEE: 'GALE_ERR_HITL_NOT_ASSIGNEE',
  GALE_ERR_HITL_TIMEOUT: 'GALE_ERR_HITL_TIMEOUT',
  GALE_ERR_SENSOR_TIMEOUT: 'GALE_ERR_SENSOR_TIMEOUT',
  GALE_ERR_SENSOR_FAILED: 'GALE_ERR_SENSOR_FAILED',
  GALE_ERR_ASSET_INVALID: 'GALE_ERR_ASSET_INVALID',
  GALE_ERR_ASSET_NOT_FOUND: 'GALE_ERR_ASSET_NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface GaleErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class GaleError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, options: GaleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GaleError';
    this.code = code;
    this.hint = options.hint;
  }
}

export function isGaleError(error: unknown): error is GaleError {
  return error instanceof GaleError;
}

/** One line for a user: the message and, when there is one, what to do about it. */
export function describeError(error: unknown): string {
  if (error instanceof GaleError) {
    return error.hint ? `${error.message}\n  hint: ${error.hint}` : error.message;
  }
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}

/**
 * Every setting of Gale: its section, key, type, default and meaning. The one place a setting is
 * declared; loading, validation, `gale config list` and the README table all come from here.
 */
import { z } from '#zod';
import { executorListSchema } from './executor-list.js';

const bool = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
}, z.boolean());
const num = (schema: z.ZodNumber) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema);
const str = z.string().min(1);

interface SettingDef {
  schema: z.ZodType;
  /** a value, or a function of GALE_HOME */
  default: unknown | ((home: string) => unknown);
  description: string;
}

const def = <T extends z.ZodType>(
  schema: T,
  dflt: SettingDef['default'],
  description: string,
): SettingDef & { schema: T } => ({
  schema,
  default: dflt,
  description,
});

export const SETTINGS = {
  core: {
    dags_folder: def(
      str,
      (home: string) => `${home}/dags`,
      'Folder of DAG files (.ts .mts .js .mjs), searched recursively.',
    ),
    load_examples: def(bool, true, "Load Gale's example DAGs too."),
    executor: def(
      executorListSchema,
      'local',
      'Executors the scheduler runs, comma-separated (local,queue,kubernetes); the first is the default, a task picks another with its executor option. local: task processes on this machine; queue: sent through Redis to `gale worker` processes; kubernetes: a pod per try (see the kubernetes section).',
    ),
    parallelism: def(
      num(z.number().int().min(1)),
      32,
      'Task tries running at once across the installation (per scheduler, all its executors together).',
    ),
    max_active_tasks_per_dag: def(num(z.number().int().min(1)), 16, 'Default maxActiveTasks of a DAG.'),
    max_active_runs_per_dag: def(num(z.number().int().min(1)), 16, 'Default maxActiveRuns of a DAG.'),
    dags_are_paused_at_creation: def(
      bool,
      false,
      'Whether a DAG seen for the first time starts paused (a DAG can say with `paused`).',
    ),
    default_timezone: def(str, 'UTC', 'Time zone for cron schedules of DAGs that do not name one.'),
    fernet_key: def(
      z.string(),
      '',
      'Key(s) that encrypt variables and connection passwords in the database: 32 random bytes in base64 ("gale fernet-key" prints one), the same on every process; comma-separated to rotate (the first encrypts). Empty: the key standalone keeps in $GALE_HOME/fernet_key, else storing a secret fails.',
    ),
    max_map_length: def(
      num(z.number().int().min(1)),
      1024,
      'The most task instances a mapped task may expand to; a longer expand input fails the task (as Airflow).',
    ),
    max_output_size: def(
      num(z.number().int().min(1)),
      1_048_576,
      'Largest task output (JSON bytes) stored in the database.',
    ),
    killed_task_cleanup_time: def(
      num(z.number().min(0)),
      10,
      'Seconds between SIGTERM and SIGKILL when a try is stopped.',
    ),
    default_pool_slots: def(
      num(z.number().int().min(0)),
      128,
      'Slots of default_pool when the database is created.',
    ),
  },
  output_store: {
    backend: def(
      z.enum(['database', 'file']),
      'database',
      "Where task outputs (XCom) are kept, as Airflow's XCom backends: database (in their xcom rows, up to core.max_output_size) or file (an output over threshold_bytes goes to a file under path, its row keeps a reference; read back transparently).",
    ),
    path: def(
      str,
      (home: string) => `${home}/outputs`,
      "File backend: folder of output files; a volume every task process, scheduler and API server shares when they run apart (as Airflow's xcom_objectstorage_path).",
    ),
    threshold_bytes: def(
      num(z.number().int().min(0)),
      65_536,
      "File backend: outputs with more JSON bytes than this (or than core.max_output_size) go to a file; smaller ones stay in the database (as Airflow's xcom_objectstorage_threshold).",
    ),
    max_bytes: def(
      num(z.number().int().min(1)),
      268_435_456,
      'File backend: largest task output (JSON bytes); a bigger one fails its try.',
    ),
  },
  local_executor: {
    warm_processes: def(
      bool,
      true,
      'Run tries in a pool of warm task processes (one try at a time each) instead of a new process per try.',
    ),
    prewarm_processes: def(
      num(z.number().int().min(0)),
      1,
      'Warm task processes started ahead of work and kept while idle.',
    ),
    max_tries_per_process: def(
      num(z.number().int().min(1)),
      1000,
      'A warm task process is replaced after this many tries.',
    ),
    max_process_memory_mb: def(
      num(z.number().int().min(64)),
      512,
      'A warm task process using more memory (RSS) after a try is replaced.',
    ),
    idle_process_ttl: def(
      num(z.number().min(1)),
      60,
      'Seconds an idle warm task process beyond prewarm_processes is kept before it exits.',
    ),
    writes_through_scheduler: def(
      bool,
      true,
      "Warm task processes record their claims, ends and deferrals through the scheduler's database connection (one writer instead of many competing for the database); they write directly when the scheduler is gone.",
    ),
  },
  api: {
    host: def(
      str,
      '127.0.0.1',
      'Address the API server and UI listen on (0.0.0.0 to be reached from other machines and pods).',
    ),
    port: def(num(z.number().int().min(0).max(65535)), 8080, 'Port of the API server and UI.'),
    secret_key: def(
      z.string(),
      '',
      'Key that signs access tokens (32+ characters, the same on every API server). `gale api-server` refuses to start without one; standalone makes one in $GALE_HOME/secret_key.',
    ),
    access_token_expiration: def(
      num(z.number().int().min(60)),
      86400,
      'Seconds an access token (POST /auth/token, or the UI login cookie) stays valid.',
    ),
    poll_cache_ttl: def(
      num(z.number().int().min(0).max(60_000)),
      1000,
      'Milliseconds the API server shares its answer to a polled list route (DAGs, runs, task instances, health) among the tabs of one user (0 = off): one query per interval, however many tabs poll.',
    ),
    expose_config: def(
      bool,
      false,
      'Whether admins may read the configuration through GET /api/v2/config (secrets masked).',
    ),
    login_rate_limit: def(
      num(z.number().int().min(1)),
      10,
      'Login attempts (POST /auth/token, /auth/login) per minute from one address; more get HTTP 429.',
    ),
  },
  execution_api: {
    url: def(
      z.string(),
      '',
      "Base URL of the API server that task processes on workers call instead of the database (the task execution API), e.g. http://gale-api:8080. Required by `gale worker`; the local executor's task processes use the database directly.",
    ),
    token_ttl: def(
      num(z.number().int().min(10)),
      600,
      "Seconds a task process's try token stays valid; heartbeats renew it once it is past half its life, so a long try never outlives it. A task pod's first token also covers kubernetes.pending_timeout.",
    ),
  },
  queue: {
    redis_url: def(
      str,
      'redis://127.0.0.1:6379/0',
      'Queue executor: Redis URL (redis://[:password@]host:port/db, rediss:// for TLS) that the scheduler sends tries through and workers take them from.',
    ),
    key_prefix: def(
      str,
      'gale',
      'Queue executor: prefix of every Redis key Gale writes (several installations can share a Redis).',
    ),
    worker_concurrency: def(
      num(z.number().int().min(1).max(1024)),
      16,
      'Tries a `gale worker` runs at once (its --concurrency overrides it).',
    ),
    worker_queues: def(
      str,
      'default',
      'Comma-separated queues a `gale worker` takes tries from (its --queues overrides it).',
    ),
    worker_shutdown_grace: def(
      num(z.number().min(0)),
      60,
      'Seconds a worker told to stop (SIGTERM) waits for its running tries; then it leaves them to finish alone (they record their own result).',
    ),
  },
  kubernetes: {
    namespace: def(
      str,
      'default',
      'Kubernetes executor: namespace of the task pods; also of podTask pods on the kubernetes engine that name none.',
    ),
    in_cluster: def(
      bool,
      false,
      "Kubernetes executor: reach the Kubernetes API with the service account of the scheduler's own pod instead of a kubeconfig.",
    ),
    config_file: def(
      z.string(),
      '',
      'Kubernetes executor: kubeconfig file when not in_cluster ("" = $KUBECONFIG, else ~/.kube/config).',
    ),
    context: def(
      z.string(),
      '',
      'Kubernetes executor: context of the kubeconfig ("" = its current context).',
    ),
    pod_template_file: def(
      z.string(),
      '',
      'Kubernetes executor: YAML of a Pod that task pods start from, as Airflow\'s pod_template_file (its container "base" runs the try); a task\'s podOverride is merged over it. "" = none.',
    ),
    worker_image: def(
      z.string(),
      '',
      'Kubernetes executor: image of task pods (e.g. gale:0.1.0); its entrypoint must be `gale`. Required with the kubernetes executor.',
    ),
    delete_pods: def(
      z.enum(['always', 'on_success', 'never']),
      'on_success',
      'Kubernetes executor: which finished task pods to delete: always, on_success (failed ones stay to be inspected) or never.',
    ),
    pending_timeout: def(
      num(z.number().min(1)),
      300,
      'Kubernetes executor and podTask on the kubernetes engine: seconds a pod may stay Pending (unschedulable, image slow to pull) before its try fails.',
    ),
  },
  database: {
    url: def(
      str,
      (home: string) => `sqlite://${home}/gale.db`,
      'Metadata database: sqlite:///<path>, or postgresql://<user>:<password>@<host>:<port>/<db> (several schedulers need PostgreSQL).',
    ),
    pool_size: def(
      num(z.number().int().min(1).max(1000)),
      5,
      'PostgreSQL: connections each Gale service process keeps open at most (a task process uses up to 3).',
    ),
    statement_timeout: def(
      num(z.number().min(0)),
      60,
      'PostgreSQL: seconds a statement may run before the server cancels it (0: no limit).',
    ),
    tls_mode: def(
      z.enum(['', 'disable', 'require', 'verify-ca', 'verify-full']),
      '',
      "PostgreSQL TLS: require (encrypt, trust any certificate), verify-ca, verify-full (check the server's name too), disable; empty: the URL's sslmode, else disable.",
    ),
    tls_ca_file: def(
      z.string(),
      '',
      'PostgreSQL TLS: file of the CA certificate(s) that signed the server certificate.',
    ),
    tls_cert_file: def(
      z.string(),
      '',
      'PostgreSQL TLS: client certificate file, for certificate authentication.',
    ),
    tls_key_file: def(z.string(), '', 'PostgreSQL TLS: key file of the client certificate.'),
  },
  scheduler: {
    idle_sleep_time: def(
      num(z.number().min(0.01)),
      1,
      'Seconds the scheduler sleeps when it has nothing to do (events wake it earlier).',
    ),
    scheduler_heartbeat_sec: def(
      num(z.number().min(0.1)),
      5,
      "Seconds between the scheduler's own heartbeats.",
    ),
    task_instance_heartbeat_sec: def(
      num(z.number().min(0.1)),
      5,
      'Seconds between heartbeats of a running try.',
    ),
    task_instance_heartbeat_timeout: def(
      num(z.number().min(0.5)),
      300,
      'Seconds without a heartbeat after which a running try is failed (or retried).',
    ),
    task_queued_timeout: def(
      num(z.number().min(0.5)),
      120,
      'Seconds a try may stay queued with no process claiming it before it is queued again.',
    ),
    catchup_by_default: def(bool, false, 'Default catchup of a DAG.'),
    create_cron_data_intervals: def(
      bool,
      false,
      'Cron schedules use data intervals between ticks (Airflow 2) rather than trigger ticks (Airflow 3).',
    ),
    max_dagruns_to_create_per_loop: def(
      num(z.number().int().min(1)),
      10,
      'Scheduled runs created per DAG per loop while catching up.',
    ),
  },
  dag_processor: {
    refresh_interval: def(
      num(z.number().min(1)),
      300,
      'Seconds between re-parsing every DAG file, changed or not.',
    ),
    file_check_interval: def(
      num(z.number().min(0.05)),
      2,
      'Seconds between looks for new, changed and deleted DAG files.',
    ),
    file_parsing_timeout: def(
      num(z.number().min(0.1)),
      30,
      'Seconds a DAG file may take to load before its parse is killed.',
    ),
    parsing_processes: def(
      num(z.number().int().min(1)),
      2,
      'Parse processes of the DAG processor: files parsed at once, one at a time in each.',
    ),
    callback_timeout: def(
      num(z.number().min(0.1)),
      60,
      'Seconds a DAG-level callback (onSuccess, onFailure, deadline) may run in its process before it is killed and recorded as failed.',
    ),
  },
  triggerer: {
    capacity: def(
      num(z.number().int().min(1)),
      1000,
      'Triggers one triggerer runs at once (its --capacity overrides it); more wait for another triggerer or a free place.',
    ),
    poll_interval: def(
      num(z.number().min(0.05)),
      1,
      'Seconds between passes of the triggerer loop: claiming new triggers, stopping those no longer needed, failing deferrals past their timeout (a trigger that fires is recorded at once).',
    ),
    job_heartbeat_sec: def(
      num(z.number().min(0.1)),
      5,
      "Seconds between a triggerer's heartbeats; one silent for 2.1 times as long is taken for dead and its triggers go to another triggerer.",
    ),
  },
  containers: {
    engine: def(
      z.enum(['docker', 'kubernetes']),
      'docker',
      "Container engine that runs podTask containers: docker (Docker's API: Docker, or podman's `podman system service`); kubernetes (a pod per try, reached with the kubernetes section's in_cluster, config_file, context; in the task's namespace, else kubernetes.namespace; Pending longer than kubernetes.pending_timeout fails).",
    ),
    docker_host: def(
      z.string(),
      '',
      'Docker engine: where its API listens, unix:///path/docker.sock or tcp://host:port ("" = $DOCKER_HOST, else /var/run/docker.sock).',
    ),
  },
  logging: {
    base_log_folder: def(str, (home: string) => `${home}/logs`, 'Folder of task logs.'),
    level: def(
      z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
      'info',
      'Level of service logs.',
    ),
    worker_log_server_host: def(
      str,
      '0.0.0.0',
      'Address the log server of each `gale worker` listens on; API servers read the logs of its running and past tries from it (its tokens need api.secret_key).',
    ),
    worker_log_server_port: def(
      num(z.number().int().min(0).max(65_535)),
      8793,
      "Port of each `gale worker`'s log server, as Airflow's (0 picks a free one; the worker registers the address it got). Open it from the API servers to the workers.",
    ),
  },
  metrics: {
    enabled: def(
      bool,
      true,
      'Serve Prometheus metrics (/metrics) and health checks (/health/live, /health/ready) from each long-running process.',
    ),
    host: def(
      str,
      '127.0.0.1',
      'Address the metrics and health server listens on (0.0.0.0 to be reached from other machines and pods).',
    ),
    port: def(
      num(z.number().int().min(0).max(65_535)),
      8974,
      'Port of the metrics and health server (0 picks a free one, printed at start).',
    ),
  },
} as const;

type Settings = typeof SETTINGS;
export type SectionName = keyof Settings;
export type GaleConfig = {
  readonly [S in SectionName]: {
    readonly [K in keyof Settings[S]]: Settings[S][K] extends { schema: infer T extends z.ZodType }
      ? z.output<T>
      : never;
  };
};

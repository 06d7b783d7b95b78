/**
 * Where task outputs (XCom values) live, as Airflow's custom XCom backends: the xcom row always
 * exists and keeps either the output's JSON (the database backend, and small outputs of the file
 * backend) or a reference to where the output was put. Readers pass every row value through
 * resolveOutput, which hands JSON back untouched (the database backend's hot path: one string
 * prefix compare). Never touches the database: its callers hold the rows.
 *
 * Terminology: "stored" is what an xcom row's value column holds; a "reference" is a stored value
 * that starts with REFERENCE_PREFIX, which no JSON text can start with.
 */

/** The xcom an output belongs to. */
export interface OutputLocation {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
  key: string;
}

/** Outputs to delete: of a DAG, a run, a task of a run, or one task instance. */
export interface OutputScope {
  dagId: string;
  runId?: string;
  taskId?: string;
  mapIndex?: number;
}

export const OUTPUT_BACKENDS = ['database', 'file'] as const;
/** database: every output in its xcom row; file: outputs over a threshold in files, the row keeps a reference */
export type OutputBackend = (typeof OUTPUT_BACKENDS)[number];

export interface OutputStore {
  readonly backend: OutputBackend;
  /** the largest output JSON (bytes) this store takes, and the setting that says so */
  readonly limit: { readonly bytes: number; readonly setting: string };
  /** Puts an output; returns what its xcom row keeps (the JSON itself, or a reference). */
  put(at: OutputLocation, json: string): Promise<string>;
  /** The output JSON a reference stands for. */
  get(reference: string): Promise<string>;
  /** Deletes what the outputs in scope refer to (nothing for outputs kept in their rows). */
  delete(scope: OutputScope): Promise<void>;
}

/** Starts every reference; JSON text never starts with "@". */
export const REFERENCE_PREFIX = '@gale-output:';

export function isReference(stored: string): boolean {
  return stored.startsWith(REFERENCE_PREFIX);
}

/** The output JSON an xcom row's value stands for. */
export function resolveOutput(store: OutputStore, stored: string): Promise<string> | string {
  return isReference(stored) ? store.get(stored) : stored;
}

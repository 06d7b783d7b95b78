/** The installation defaults that SDK unit tests serialize DAGs with (Dag.serialize's second argument). */
export const DAG_DEFAULTS = {
  catchup: false,
  dataIntervals: false,
  timezone: 'UTC',
  maxActiveRuns: 16,
  maxActiveTasks: 16,
};

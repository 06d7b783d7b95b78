/** The installation defaults a parse applies (dag_processor's ParseRequest.defaults), as tests use them. */
export const PARSE_DEFAULTS = {
  catchup: false,
  dataIntervals: false,
  timezone: 'UTC',
  maxActiveRuns: 16,
  maxActiveTasks: 16,
};

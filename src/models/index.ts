/** Pure domain model of Gale: states, trigger rules, timetables, the serialized DAG. No I/O. */
export * from './container-task.js';
export * from './durations.js';
export * from './errors.js';
export * from './executors.js';
export * from './mapping.js';
export * from './params.js';
export * from './pod-override.js';
export * from './quantities.js';
export * from './retry.js';
export * from './secrets.js';
export * from './sensors.js';
export * from './serialized-dag.js';
export * from './states.js';
export * from './timetables.js';
export * from './trigger-rules.js';
export * from './triggers.js';

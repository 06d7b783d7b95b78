/** Which relative paths name a log inside the log folder, and which could lead out of it. */
import { describe, expect, it } from 'vitest';
import { logFilePath, logPathSegments } from '../../../src/task-logs/index.js';

describe('logPathSegments', () => {
  it.each([
    ['dag_id=d/run_id=r/task_id=t/attempt=1.log', 4],
    ['dag_id=d/run_id=manual__2026-01-01T00:00:00+00:00/task_id=t/map_index=3/attempt=2.log', 5],
    ['a..b.log', 1],
    ['dag_id=d/run_id=with space/task_id=t/attempt=1.log', 4],
  ])('accepts %s', (path, segments) => {
    expect(logPathSegments(path)).toHaveLength(segments);
  });

  it.each([
    ['empty', ''],
    ['a parent segment', '../x.log'],
    ['a parent segment inside', 'dag_id=d/../../x.log'],
    ['a current-folder segment', './x.log'],
    ['an absolute path', '/etc/x.log'],
    ['an empty segment', 'dag_id=d//x.log'],
    ['a trailing slash', 'dag_id=d/'],
    ['a NUL byte', 'x\0.log'],
    ['not a .log file', 'dag_id=d/x.txt'],
    ['a folder', 'dag_id=d'],
    ['a very long path', `${'a/'.repeat(3000)}x.log`],
  ])('refuses %s', (_name, path) => {
    expect(() => logPathSegments(path)).toThrow(
      expect.objectContaining({ code: 'GALE_ERR_INVALID_REQUEST' }),
    );
  });
});

describe('logFilePath', () => {
  it('is the path inside the folder', () => {
    expect(logFilePath('/var/gale/logs/', 'dag_id=d/attempt=1.log')).toBe(
      '/var/gale/logs/dag_id=d/attempt=1.log',
    );
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendLogNote } from '../../../../src/executors/kubernetes/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gale-note-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the executor's note in a try's log", () => {
  it('is appended after what the pod wrote, in a folder made for it', () => {
    const path = join(dir, 'a', 'b', 'attempt=1.log');
    appendLogNote(path, 'ERROR The task pod p failed: exit code 2');
    expect(readFileSync(path, 'utf8')).toMatch(/^\[\d{4}-.*\] ERROR The task pod p failed: exit code 2\n$/);
  });

  it('is not written twice (a failed pod adopted again after a restart)', () => {
    const path = join(dir, 'twice.log');
    writeFileSync(path, 'line from the pod\n');
    appendLogNote(path, 'ERROR The task pod q failed: Evicted');
    appendLogNote(path, 'ERROR The task pod q failed: Evicted');
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('line from the pod');
  });
});

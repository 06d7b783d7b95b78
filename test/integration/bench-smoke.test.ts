/** The benchmark harness runs end to end and writes well-formed results (no timing is asserted). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

it('npm run bench --quick runs and writes a JSON result with machine, commit and figures', () => {
  const out = mkdtempSync(join(tmpdir(), 'gale-bench-out-'));
  try {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GALE')));
    const r = spawnSync(
      process.execPath,
      [resolve(import.meta.dirname, '../../dist/bench/main.js'), '--quick', '--out', out],
      {
        env,
        encoding: 'utf8',
        timeout: 180_000,
      },
    );
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const result = JSON.parse(readFileSync(join(out, files[0]!), 'utf8'));
    expect(result.quick).toBe(true);
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.machine.node).toBe(process.version);
    expect(result.figures.length).toBeGreaterThanOrEqual(6);
    for (const f of result.figures) {
      expect(typeof f.name).toBe('string');
      expect(Number.isFinite(f.value)).toBe(true);
      expect(typeof f.unit).toBe('string');
      expect(f.repetitions).toBeGreaterThanOrEqual(1);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 200_000);

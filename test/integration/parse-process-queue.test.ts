/**
 * A parse process holds the file in hand and the next one queued behind it: when the file in hand
 * ends the process, the queued file was never imported and is not blamed; it is parsed in a new
 * process. Uses the built parse process (dist/), since it forks its compiled worker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PARSE_DEFAULTS as DEFAULTS } from '../support/parse-defaults.js';

let dir: string;
let savedHome: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-parse-queue-'));
  savedHome = process.env.GALE_HOME;
  process.env.GALE_HOME = join(dir, 'home');
  writeFileSync(join(dir, 'exits.ts'), `import { dag } from 'gale/sdk';\nprocess.exit(3);\n`);
  for (const id of ['first', 'after']) {
    writeFileSync(
      join(dir, `${id}.ts`),
      `import { dag, task } from 'gale/sdk';\ndag({ dagId: '${id}' }, () => { task('t', () => 1)(); });\n`,
    );
  }
});

afterAll(() => {
  if (savedHome === undefined) delete process.env.GALE_HOME;
  else process.env.GALE_HOME = savedHome;
  rmSync(dir, { recursive: true, force: true });
});

it('a file queued behind one that ends the process is parsed in a new process, not blamed', async () => {
  const { ParseProcess } = (await import(
    new URL('../../dist/dag-processing/parse-process.js', import.meta.url).href
  )) as typeof import('../../src/dag-processing/parse-process.js');
  const parser = new ParseProcess();
  try {
    const request = (name: string) => ({ file: join(dir, `${name}.ts`), defaults: DEFAULTS });
    // the process serves one file first, so the one that exits is not its first
    expect((await parser.parse(request('first'), 30_000)).result.dags.map((d) => d.dagId)).toEqual(['first']);
    const [exits, after] = await Promise.all([
      parser.parse(request('exits'), 30_000),
      parser.parse(request('after'), 30_000),
    ]);
    expect(exits.result.error?.message).toMatch(/exits\.ts ended its process during import \(exit code 3\)/);
    expect(exits.source).toBeNull();
    expect(after.result.error).toBeNull();
    expect(after.result.dags.map((d) => d.dagId)).toEqual(['after']);
    expect(after.source).toContain("dagId: 'after'");
  } finally {
    parser.close();
  }
});

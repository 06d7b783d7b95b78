/**
 * Dynamic task mapping: one task instance per file the upstream task lists (known only when it
 * has run), a fixed argument given with partial(), a cross product and a zip, then a task that
 * receives the list of all mapped outputs.
 */
import { dag, task, zip } from 'gale/sdk';

const listFiles = task('list_files', () => ['a.csv', 'b.csv', 'c.csv']);

const countRows = task('count_rows', (ctx, { file, factor }: { file: string; factor: number }) => {
  ctx.log.info(`map index ${ctx.mapIndex}: counting ${file}`);
  return file.length * factor;
});

const total = task('total', (ctx, counts: number[]) => {
  const sum = counts.reduce((a, b) => a + b, 0);
  ctx.log.info(`${counts.length} files, ${sum} rows`);
  return sum;
});

const greet = task(
  'greet',
  (_ctx, { greeting, name }: { greeting: string; name: string }) => `${greeting}, ${name}`,
);

const pair = task('pair', (_ctx, { both }: { both: [string, number] }) => both.join('='));

dag(
  {
    dagId: 'example_mapping',
    description: 'Mapped tasks over a literal list and an upstream output, then a reduce',
    schedule: null,
    tags: ['example'],
  },
  () => {
    const counts = countRows.partial({ factor: 10 }).expand({ file: listFiles() });
    total(counts);
    greet.expand({ greeting: ['hello', 'goodbye'], name: ['ada', 'grace'] });
    pair.expand({ both: zip(['x', 'y'], [1, 2]) });
  },
);

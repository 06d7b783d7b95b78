/** Printing lists as a table or as JSON (`--output table|json`). */
import { GaleError } from '../models/index.js';

export type OutputFormat = 'table' | 'json';

export function parseOutputFormat<F extends string = OutputFormat>(
  value: string,
  allowed: readonly F[] = ['table', 'json'] as unknown as F[],
): F {
  if ((allowed as readonly string[]).includes(value)) return value as F;
  throw new GaleError(
    'GALE_ERR_USAGE',
    `--output must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}, not "${value}"`,
  );
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function printRows(
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
  format: OutputFormat,
): void {
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))),
        null,
        2,
      )}\n`,
    );
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('No data found\n');
    return;
  }
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  const out = [line([...columns]), widths.map((w) => '='.repeat(w)).join('=|=')];
  for (const r of rows) out.push(line(columns.map((c) => cell(r[c]))));
  process.stdout.write(`${out.join('\n')}\n`);
}

export function printObject(value: Record<string, unknown>, format: OutputFormat): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) process.stdout.write(`${k.padEnd(width)} : ${cell(v)}\n`);
}

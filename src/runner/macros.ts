/**
 * Airflow's template macros (`{{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }}`) and its date
 * filters (`{{ logical_date | ds_nodash }}`), for nunjucks templates. Dates are UTC, as Airflow's
 * context dates are. Python's strftime directives are read and written with the subset Airflow
 * DAGs use; an unknown directive is an error, never silently kept.
 * Pure: no I/O; `random` and `uuid` are the only impure helpers, as in Airflow.
 */
import { randomUUID } from 'node:crypto';
import { GaleError } from '../models/index.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function badFormat(what: string, detail: string): GaleError {
  return new GaleError('GALE_ERR_TEMPLATE', `${what}: ${detail}`, {
    hint: 'Use Python strftime directives: %Y %y %m %d %H %I %M %S %f %j %b %B %a %A %p %z %Z %%.',
  });
}

/** Python's datetime.strftime, in UTC. */
export function strftime(date: Date, format: string): string {
  return format.replace(/%(.)/g, (_, d: string) => {
    switch (d) {
      case 'Y':
        return pad(date.getUTCFullYear(), 4);
      case 'y':
        return pad(date.getUTCFullYear() % 100);
      case 'm':
        return pad(date.getUTCMonth() + 1);
      case 'd':
        return pad(date.getUTCDate());
      case 'H':
        return pad(date.getUTCHours());
      case 'I':
        return pad(((date.getUTCHours() + 11) % 12) + 1);
      case 'p':
        return date.getUTCHours() < 12 ? 'AM' : 'PM';
      case 'M':
        return pad(date.getUTCMinutes());
      case 'S':
        return pad(date.getUTCSeconds());
      case 'f':
        return pad(date.getUTCMilliseconds() * 1000, 6);
      case 'j':
        return pad(Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3);
      case 'b':
        return (MONTHS[date.getUTCMonth()] ?? '').slice(0, 3);
      case 'B':
        return MONTHS[date.getUTCMonth()] ?? '';
      case 'a':
        return (WEEKDAYS[date.getUTCDay()] ?? '').slice(0, 3);
      case 'A':
        return WEEKDAYS[date.getUTCDay()] ?? '';
      case 'z':
        return '+0000';
      case 'Z':
        return 'UTC';
      case '%':
        return '%';
      default:
        throw badFormat('strftime', `unknown directive %${d}`);
    }
  });
}

const PARSERS: Record<string, { pattern: string; set: (p: DateParts, v: string) => void }> = {
  Y: { pattern: '(\\d{4})', set: (p, v) => (p.year = Number(v)) },
  y: { pattern: '(\\d{2})', set: (p, v) => (p.year = Number(v) + (Number(v) < 69 ? 2000 : 1900)) },
  m: { pattern: '(\\d{1,2})', set: (p, v) => (p.month = Number(v) - 1) },
  d: { pattern: '(\\d{1,2})', set: (p, v) => (p.day = Number(v)) },
  H: { pattern: '(\\d{1,2})', set: (p, v) => (p.hour = Number(v)) },
  M: { pattern: '(\\d{1,2})', set: (p, v) => (p.minute = Number(v)) },
  S: { pattern: '(\\d{1,2})', set: (p, v) => (p.second = Number(v)) },
  f: { pattern: '(\\d{1,6})', set: (p, v) => (p.ms = Math.floor(Number(v.padEnd(6, '0')) / 1000)) },
  b: { pattern: '([A-Za-z]{3})', set: (p, v) => (p.month = monthIndex(v, 3)) },
  B: { pattern: '([A-Za-z]+)', set: (p, v) => (p.month = monthIndex(v, v.length)) },
};

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

function monthIndex(name: string, length: number): number {
  const i = MONTHS.findIndex((m) => m.slice(0, length).toLowerCase() === name.toLowerCase());
  if (i < 0) throw badFormat('strptime', `"${name}" is not a month`);
  return i;
}

/** Python's datetime.strptime, in UTC (the directives that carry a date or a time). */
export function strptime(text: string, format: string): Date {
  const setters: ((p: DateParts, v: string) => void)[] = [];
  let pattern = '';
  for (const piece of format.split(/(%.)/)) {
    if (!piece.startsWith('%') || piece.length !== 2) {
      pattern += piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const d = piece[1] as string;
    if (d === '%') {
      pattern += '%';
      continue;
    }
    const parser = PARSERS[d];
    if (!parser) throw badFormat('strptime', `directive %${d} cannot be parsed`);
    pattern += parser.pattern;
    setters.push(parser.set);
  }
  const match = new RegExp(`^${pattern}$`).exec(text);
  if (!match) throw badFormat('strptime', `"${text}" does not match the format "${format}"`);
  const parts: DateParts = { year: 1900, month: 0, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
  for (const [i, set] of setters.entries()) set(parts, match[i + 1] ?? '');
  return new Date(
    Date.UTC(parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second, parts.ms),
  );
}

function toDate(value: unknown, what: string): Date {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw badFormat(what, `"${String(value)}" is not a date`);
  return date;
}

const UNITS: [string, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** As pendulum's diff_for_humans, which Airflow's macro calls: "3 days ago", "in 2 hours". */
export function datetimeDiffForHumans(dt: unknown, since?: unknown): string {
  const moment = toDate(dt, 'datetime_diff_for_humans');
  const other =
    since === undefined || since === null ? new Date() : toDate(since, 'datetime_diff_for_humans');
  const diff = moment.getTime() - other.getTime();
  const abs = Math.abs(diff);
  let phrase = 'a few seconds';
  for (const [unit, ms] of UNITS) {
    const n = Math.floor(abs / ms);
    if (n >= 1 && !(unit === 'second' && n < 10)) {
      phrase = `${n} ${unit}${n === 1 ? '' : 's'}`;
      break;
    }
  }
  if (since === undefined || since === null) return diff < 0 ? `${phrase} ago` : `in ${phrase}`;
  return diff < 0 ? `${phrase} before` : `${phrase} after`;
}

/** Airflow's `macros`: what a template can call as `{{ macros.<name>(...) }}`. */
export const MACROS = {
  /** macros.ds_add('2026-01-31', 1) == '2026-02-01' */
  ds_add: (ds: string, days: number): string =>
    new Date(Date.parse(`${ds}T00:00:00Z`) + Number(days) * 86_400_000).toISOString().slice(0, 10),
  /** macros.ds_format('2026-01-05', '%Y-%m-%d', '%m-%d-%y') == '01-05-26' */
  ds_format: (ds: string, inputFormat: string, outputFormat: string): string =>
    strftime(strptime(ds, inputFormat), outputFormat),
  /** macros.ds_format_locale('2026-01-05', '%Y-%m-%d', 'long', 'fr') == '5 janvier 2026' (Intl's dateStyle) */
  ds_format_locale: (ds: string, inputFormat: string, style = 'medium', locale = 'en-US'): string =>
    new Intl.DateTimeFormat(locale, {
      dateStyle: style as 'full' | 'long' | 'medium' | 'short',
      timeZone: 'UTC',
    }).format(strptime(ds, inputFormat)),
  datetime_diff_for_humans: datetimeDiffForHumans,
  /** macros.strftime(logical_date, '%Y/%m') (Python's datetime.strftime on a context date) */
  strftime: (date: unknown, format: string): string => strftime(toDate(date, 'strftime'), format),
  uuid: { uuid4: (): string => randomUUID() },
  random: (): number => Math.random(),
  time: { time: (): number => Date.now() / 1000 },
  json: {
    dumps: (value: unknown): string => JSON.stringify(value),
    loads: (text: string): unknown => JSON.parse(text),
  },
};

/** Airflow's template filters: `{{ logical_date | ds }}`, `| ts_nodash`, ..., and Jinja's `tojson`. */
export const FILTERS: Record<string, (value: unknown) => string> = {
  ds: (v) => toDate(v, 'ds').toISOString().slice(0, 10),
  ds_nodash: (v) => toDate(v, 'ds_nodash').toISOString().slice(0, 10).replaceAll('-', ''),
  ts: (v) => toDate(v, 'ts').toISOString(),
  ts_nodash: (v) => strftime(toDate(v, 'ts_nodash'), '%Y%m%dT%H%M%S'),
  ts_nodash_with_tz: (v) => `${strftime(toDate(v, 'ts_nodash_with_tz'), '%Y%m%dT%H%M%S')}+0000`,
  tojson: (v) => JSON.stringify(v),
};

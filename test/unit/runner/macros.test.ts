import { describe, expect, it } from 'vitest';
import { datetimeDiffForHumans, MACROS, strftime, strptime } from '../../../src/runner/macros.js';
import { renderTemplate } from '../../../src/runner/templates.js';

const AT = new Date('2026-03-07T14:05:09.123Z');

describe("Airflow's macros and filters", () => {
  const strftimeCases: [string, string][] = [
    ['%Y-%m-%d', '2026-03-07'],
    ['%y%m%d', '260307'],
    ['%H:%M:%S.%f', '14:05:09.123000'],
    ['%I %p', '02 PM'],
    ['%j', '066'],
    ['%a %A %b %B', 'Sat Saturday Mar March'],
    ['%z %Z %%', '+0000 UTC %'],
  ];
  it.each(strftimeCases)('strftime %j writes %j', (format, expected) => {
    expect(strftime(AT, format)).toBe(expected);
  });

  const strptimeCases: [string, string, string][] = [
    ['2026-03-07', '%Y-%m-%d', '2026-03-07T00:00:00.000Z'],
    ['07/03/26 14:05', '%d/%m/%y %H:%M', '2026-03-07T14:05:00.000Z'],
    ['7 March 2026', '%d %B %Y', '2026-03-07T00:00:00.000Z'],
    ['Mar 07 2026 09.5', '%b %d %Y %S.%f', '2026-03-07T00:00:09.500Z'],
  ];
  it.each(strptimeCases)('strptime reads %j with %j', (text, format, iso) => {
    expect(strptime(text, format).toISOString()).toBe(iso);
  });

  it('a text that does not match its format, or an unknown directive, fails with GALE_ERR_TEMPLATE', () => {
    expect(() => strptime('2026/03/07', '%Y-%m-%d')).toThrow(/does not match the format/);
    expect(() => strftime(AT, '%Q')).toThrow(expect.objectContaining({ code: 'GALE_ERR_TEMPLATE' }));
    expect(() => MACROS.ds_format('nope', '%Y-%m-%d', '%d')).toThrow(/does not match/);
  });

  const humanCases: [string, string | undefined, string][] = [
    ['2026-03-07T11:05:09Z', undefined, 'ago'],
    ['2026-03-04T14:05:09Z', '2026-03-07T14:05:09Z', '3 days before'],
    ['2026-03-07T16:05:09Z', '2026-03-07T14:05:09Z', '2 hours after'],
    ['2026-03-07T14:05:12Z', '2026-03-07T14:05:09Z', 'a few seconds after'],
    ['2027-04-07T14:05:09Z', '2026-03-07T14:05:09Z', '1 year after'],
  ];
  it.each(humanCases)('datetime_diff_for_humans(%j, %j) says %j', (dt, since, expected) => {
    expect(datetimeDiffForHumans(dt, since)).toContain(expected);
  });

  const templateCases: [string, string][] = [
    ["{{ macros.ds_format('2026-01-05', '%Y-%m-%d', '%m-%d-%y') }}", '01-05-26'],
    ["{{ macros.ds_format_locale('2026-01-05', '%Y-%m-%d', 'long', 'en-GB') }}", '5 January 2026'],
    ['{{ macros.ds_add(ds, 30) }}', '2026-04-06'],
    ["{{ macros.strftime(logical_date, '%Y/%m') }}", '2026/03'],
    ['{{ logical_date | ds }} {{ logical_date | ds_nodash }}', '2026-03-07 20260307'],
    [
      '{{ logical_date | ts_nodash }} {{ logical_date | ts_nodash_with_tz }}',
      '20260307T140509 20260307T140509+0000',
    ],
    ['{{ logical_date | ts }}', '2026-03-07T14:05:09.123Z'],
    ['{{ params | tojson }}', '{"n":1}'],
    ["{{ macros.json.dumps(params) }} {{ macros.json.loads('[1,2]')[1] }}", '{"n":1} 2'],
    ['{{ macros.uuid.uuid4() | length }}', '36'],
  ];
  it.each(templateCases)('%s renders as %j', (template, expected) => {
    const context = { ds: '2026-03-07', logical_date: AT.toISOString(), params: { n: 1 }, macros: MACROS };
    expect(renderTemplate(template, context)).toBe(expected);
  });
});

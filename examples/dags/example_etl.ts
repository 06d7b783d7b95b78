/**
 * A typed ETL: extract returns rows, transform takes them (the dependency comes from the data),
 * load takes the summary. Each task's return value is stored and handed on.
 */
import { dag, task } from 'gale/sdk';

interface Order {
  id: number;
  amount: number;
  country: string;
}

const extract = task('extract', async (ctx): Promise<Order[]> => {
  ctx.log.info(`Extracting orders for ${ctx.ds}`);
  return [
    { id: 1, amount: 120.5, country: 'DE' },
    { id: 2, amount: 80, country: 'FR' },
    { id: 3, amount: 42.25, country: 'DE' },
  ];
});

const transform = task('transform', (ctx, orders: Order[]) => {
  const byCountry: Record<string, number> = {};
  for (const o of orders) byCountry[o.country] = (byCountry[o.country] ?? 0) + o.amount;
  ctx.log.info(`Summed ${orders.length} orders into ${Object.keys(byCountry).length} countries`);
  return byCountry;
});

const load = task('load', (ctx, totals: Record<string, number>) => {
  for (const [country, total] of Object.entries(totals)) ctx.log.info(`${country}: ${total.toFixed(2)}`);
  return { countries: Object.keys(totals).length };
});

dag(
  {
    dagId: 'example_etl',
    description: 'Typed ETL passing data between tasks',
    schedule: '@hourly',
    startDate: '2026-01-01',
    tags: ['example', 'etl'],
    defaultArgs: { owner: 'data-team', retries: 1, retryDelay: '10s' },
  },
  () => {
    load(transform(extract()));
  },
);

/**
 * Data-aware scheduling with assets: example_assets_producer writes the daily orders file and
 * declares it as an outlet, attaching the row count to the event; example_assets_consumer is
 * scheduled on that file and runs whenever it is updated, reading the event's extra.
 * `gale assets event create s3://example/orders.csv --extra '{"rows": 5}'` triggers it from outside.
 */
import { asset, dag, shell, task } from 'gale/sdk';

const orders = asset('s3://example/orders.csv', { name: 'orders', group: 'sales' });

dag(
  {
    dagId: 'example_assets_producer',
    schedule: '@daily',
    startDate: '2026-01-01',
    tags: ['example', 'assets'],
  },
  () => {
    task({ taskId: 'write_orders', outlets: [orders] }, (ctx) => {
      const rows = 3;
      ctx.log.info(`Writing ${rows} orders for ${ctx.ds}`);
      ctx.outletEvents(orders).extra = { rows, ds: ctx.ds };
      return rows;
    })();
  },
);

dag({ dagId: 'example_assets_consumer', schedule: orders, tags: ['example', 'assets'] }, () => {
  task('report', (ctx) => {
    const events = ctx.triggeringAssetEvents[orders.uri] ?? [];
    const rows = events.reduce((sum, e) => sum + Number(e.extra.rows ?? 0), 0);
    ctx.log.info(`${events.length} update(s) of ${orders.uri}, ${rows} rows in all`);
    return rows;
  })();
  shell(
    'announce',
    'echo "orders updated: {{ triggering_asset_events[\'s3://example/orders.csv\'] | length }} event(s)"',
  );
});

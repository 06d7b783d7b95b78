/**
 * GET /metrics on the API server's own port: Prometheus text of this process (Node's process
 * metrics and the gauges read from the database at scrape time), so the chart's ServiceMonitor
 * scrapes API servers as it scrapes the other services' metrics ports. Public, as Prometheus
 * sends no token; it names no DAG (the per-DAG series come from the scheduler's registry). Served
 * only when metrics.enabled.
 */
import { createGaleMetrics } from '../../observability/index.js';
import type { RouteContext } from '../context.js';

export function registerMetricsRoute({ app, deps }: RouteContext): void {
  if (!deps.config.config.metrics.enabled) return;
  const { registry } = createGaleMetrics({ db: deps.gdb.db, log: deps.log.child({ component: 'metrics' }) });
  app.get('/metrics', { config: { role: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
}

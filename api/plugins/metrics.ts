import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { PipelineMetric } from '../deps.js';

export interface MetricsOptions {
  readonly pipeline: readonly PipelineMetric[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** this app's Prometheus registry (one per app, so several apps in one process do not collide) */
    metrics: Registry;
  }
}

/**
 * `/metrics` in Prometheus text format: request latency by route template (not by URL, which would explode
 * the label set), the process' default metrics, and the pipeline's own numbers read at scrape time.
 */
async function metrics(app: FastifyInstance, options: MetricsOptions): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nexural_api_' });
  const latency = new Histogram({
    name: 'nexural_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  for (const metric of options.pipeline) {
    const read = metric.read;
    if (metric.kind === 'gauge') {
      new Gauge({
        name: metric.name,
        help: metric.help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    } else {
      // A counter the pipeline already counts: reset and add its current total at scrape time.
      new Counter({
        name: metric.name,
        help: metric.help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    }
  }
  app.decorate('metrics', registry);

  app.addHook('onResponse', async (request, reply) => {
    latency.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  app.get(
    '/metrics',
    { config: { access: 'public', rateLimit: false }, schema: { hide: true } },
    async (_request, reply) => {
      void reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}

export const metricsPlugin = fp(metrics, { name: 'nexural-metrics' });

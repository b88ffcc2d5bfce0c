import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Every consumer's numbers on one Prometheus registry (the API's, where the API runs in the process). */
export interface ConsumerMetricSet {
  readonly lag: Gauge<'consumer' | 'topic' | 'partition'>;
  readonly handled: Counter<'consumer'>;
  readonly failed: Counter<'consumer' | 'outcome'>;
  readonly handleSeconds: Histogram<'consumer'>;
  readonly events: Counter<'consumer' | 'event'>;
}

const perRegistry = new WeakMap<Registry, ConsumerMetricSet>();

/** The consumer metrics of `registry`, created on first use (prom-client refuses a name registered twice). */
export function consumerMetricSet(registry: Registry): ConsumerMetricSet {
  const known = perRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const set: ConsumerMetricSet = {
    lag: new Gauge({
      name: 'nexural_consumer_lag_records',
      help: 'records of the partition not yet handled by the consumer group (at the last batch)',
      labelNames: ['consumer', 'topic', 'partition'] as const,
      registers,
    }),
    handled: new Counter({
      name: 'nexural_consumer_records_handled_total',
      help: 'records the consumer handled (effects recorded, offset committed after)',
      labelNames: ['consumer'] as const,
      registers,
    }),
    failed: new Counter({
      name: 'nexural_consumer_records_failed_total',
      help: 'records that failed: retried (a later attempt may succeed) or dead_lettered',
      labelNames: ['consumer', 'outcome'] as const,
      registers,
    }),
    handleSeconds: new Histogram({
      name: 'nexural_consumer_handle_seconds',
      help: 'time the consumer took to handle one batch',
      labelNames: ['consumer'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    events: new Counter({
      name: 'nexural_consumer_events_total',
      help: "a consumer's own counters (ctx.metrics.count)",
      labelNames: ['consumer', 'event'] as const,
      registers,
    }),
  };
  perRegistry.set(registry, set);
  return set;
}

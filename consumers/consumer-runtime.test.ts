import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEmbeddedLog } from '../pipeline/runtime/log/embedded-log.js';
import { readAll } from '../pipeline/runtime/processor/testing/processor-test-kit.js';
import { deadLetterSchema } from '../schemas/dead-letter.js';
import { startConsumer } from './consumer-runtime.js';
import { defineConsumer } from './define-consumer.js';
import { scratchConsumerPorts } from './testing/consumer-ports.js';
import { readRecordedStream } from './testing/recorded-stream.js';

/** Real final bars (recorded Binance BTCUSDT + ETHUSDT), the first 12. */
const bars = readRecordedStream()
  .filter((record) => record.input === 'barsFinal')
  .slice(0, 12);
const poisonClose = (JSON.parse(bars[5]?.value ?? '{}') as { close: number }).close;

/** The test's own consumer: remembers each bar it handled, refuses the bar closing at `failOnClose`. */
const seen = new Set<string>();
let calls = 0;
const rememberingConsumer = defineConsumer({
  name: 'remembering',
  description: 'remembers the final bars it handled (runtime test)',
  inputs: ['barsFinal'],
  configSchema: z.object({ failOnClose: z.number() }),
  create({ config }) {
    return {
      async handle(batch) {
        calls += 1;
        for (const record of batch.records) {
          if (record.value.close === config.failOnClose)
            throw new Error(`bar closing at ${record.value.close}`);
          seen.add(`${record.value.symbol}:${record.value.openTime}`);
        }
      },
      async close() {},
    };
  },
});

async function until(done: () => boolean, debug: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out (${debug()})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('consumer runtime on the embedded log', () => {
  it('pauses and resumes, retries then dead-letters with its name and reason, counts on the registry, drains', async () => {
    const log = createEmbeddedLog();
    const { ports, close } = await scratchConsumerPorts(log, 1);
    const barsTopic = ports.decoders.barsFinal.topic;
    try {
      const running = await startConsumer(rememberingConsumer, ports, {
        groupId: 'runtime-test',
        config: { failOnClose: poisonClose },
        retry: { attempts: 2, backoffMs: 5 },
      });
      running.pause();
      const producer = await log.createProducer();
      await producer.send(
        bars.map((bar) => ({ topic: barsTopic, key: bar.key, value: Buffer.from(bar.value), partition: 0 })),
      );
      await producer.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(calls).toBe(0);

      running.resume();
      await until(
        () => running.stats.handled === bars.length,
        () => JSON.stringify({ ...running.stats, lag: [...running.stats.lag], calls, seen: seen.size }),
      );
      // every record counts as handled once past it, the dead-lettered one too
      expect(running.stats).toMatchObject({ handled: bars.length, deadLettered: 1 });
      expect(seen.size).toBe(bars.length - 1);

      const letters = (await readAll(log, ports.deadLetters.topic, 300))
        .flat()
        .map((record) => deadLetterSchema.parse(JSON.parse(record.value?.toString('utf8') ?? 'null')));
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        consumer: 'remembering',
        code: 'NXR_CONSUMER_FAILED',
        reason: `consumer "remembering": bar closing at ${poisonClose}`,
        source: { topic: barsTopic, partition: 0, offset: '5' },
      });

      const metrics = await ports.metrics.getMetricsAsJSON();
      const values = (name: string) => metrics.find((metric) => metric.name === name)?.values ?? [];
      expect(values('nexural_consumer_records_handled_total')).toEqual([
        { labels: { consumer: 'remembering' }, value: bars.length },
      ]);
      expect(values('nexural_consumer_records_failed_total').map((value) => value.labels.consumer)).toContain(
        'remembering',
      );
      expect(values('nexural_consumer_lag_records')).toContainEqual({
        labels: { consumer: 'remembering', topic: barsTopic, partition: '0' },
        value: 0,
      });
      const latencyCount = values('nexural_consumer_handle_seconds').find(
        (value) => (value as { metricName?: string }).metricName === 'nexural_consumer_handle_seconds_count',
      );
      expect(latencyCount?.value).toBeGreaterThan(0);

      await running.close();
      const callsAtClose = calls;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(calls).toBe(callsAtClose);
    } finally {
      await close();
      await log.close();
    }
  });
});

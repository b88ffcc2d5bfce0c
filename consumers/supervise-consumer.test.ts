import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEmbeddedLog } from '../pipeline/runtime/log/embedded-log.js';
import { readAll } from '../pipeline/runtime/processor/testing/processor-test-kit.js';
import { NexuralError } from '../schemas/errors.js';
import { startConsumer } from './consumer-runtime.js';
import { defineConsumer } from './define-consumer.js';
import { superviseConsumer } from './supervise-consumer.js';
import { scratchConsumerPorts } from './testing/consumer-ports.js';
import { readRecordedStream } from './testing/recorded-stream.js';

/** Real final bars (recorded Binance BTCUSDT + ETHUSDT), the first 12. */
const bars = readRecordedStream()
  .filter((record) => record.input === 'barsFinal')
  .slice(0, 12);

/** Posts each bar (the effect ledger's exactly-once is the contract suite's); the "service" is down for its first `outageCalls` calls. */
function flakyPoster(outageCalls: number) {
  const posted = new Set<string>();
  let calls = 0;
  const definition = defineConsumer({
    name: 'flaky-poster',
    description: 'posts final bars to a service that is down at first (supervisor test)',
    inputs: ['barsFinal'],
    configSchema: z.object({}),
    create() {
      return {
        async handle(batch) {
          calls += 1;
          if (calls <= outageCalls)
            throw new NexuralError('NXR_SERVICE_UNAVAILABLE', 'the service cannot be reached');
          for (const record of batch.records) {
            const key = `post:${record.value.symbol}:${record.value.openTime}`;
            posted.add(key);
          }
        },
        async close() {},
      };
    },
  });
  return { definition, posted, calls: () => calls };
}

async function until(done: () => boolean, debug: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out (${debug()})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a supervised consumer', () => {
  it('stopped by a service outage, starts again after the backoff and handles every record, none dead-lettered', async () => {
    const log = createEmbeddedLog();
    const { ports, close } = await scratchConsumerPorts(log, 1);
    const barsTopic = ports.decoders.barsFinal.topic;
    // batch ×3 then the first record ×3 fail: the runtime gives up on a retryable error and stops
    const poster = flakyPoster(6);
    const events: string[] = [];
    try {
      const producer = await log.createProducer();
      await producer.send(
        bars.map((bar) => ({ topic: barsTopic, key: bar.key, value: Buffer.from(bar.value), partition: 0 })),
      );
      await producer.close();
      const running = await superviseConsumer(
        (onError) =>
          startConsumer(poster.definition, ports, {
            groupId: 'supervisor-test',
            retry: { attempts: 3, backoffMs: 5 },
            onError,
          }),
        { initialMs: 50, maxMs: 1_000 },
        {
          onStopped: (error, restartInMs) => events.push(`stopped: ${error.message}; in ${restartInMs} ms`),
          onRestarted: (attempt) => events.push(`restarted after ${attempt}`),
        },
      );
      await until(
        () => poster.posted.size === bars.length && running.stats.handled === bars.length,
        () => JSON.stringify({ events, posted: poster.posted.size, calls: poster.calls() }),
      );
      expect(events).toEqual(['stopped: the service cannot be reached; in 50 ms', 'restarted after 1']);
      expect(running.stats.deadLettered).toBe(0);
      expect(await readAll(log, ports.deadLetters.topic, 200)).toEqual([[]]);
      await running.close();
      const callsAtClose = poster.calls();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(poster.calls()).toBe(callsAtClose);
    } finally {
      await close();
    }
  }, 120_000);

  it('doubles the wait for failures in a row and stops restarting once closed', async () => {
    const log = createEmbeddedLog();
    const { ports, close } = await scratchConsumerPorts(log, 1);
    const poster = flakyPoster(Number.POSITIVE_INFINITY);
    const waits: number[] = [];
    try {
      const producer = await log.createProducer();
      await producer.send([
        {
          topic: ports.decoders.barsFinal.topic,
          key: bars[0]?.key ?? '',
          value: Buffer.from(bars[0]?.value ?? ''),
        },
      ]);
      await producer.close();
      const running = await superviseConsumer(
        (onError) =>
          startConsumer(poster.definition, ports, {
            groupId: 'supervisor-backoff-test',
            retry: { attempts: 1, backoffMs: 1 },
            onError,
          }),
        { initialMs: 20, maxMs: 100 },
        { onStopped: (_error, restartInMs) => waits.push(restartInMs), onRestarted: () => {} },
      );
      await until(
        () => waits.length >= 5,
        () => JSON.stringify(waits),
      );
      await running.close();
      const stopsAtClose = waits.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(waits.length).toBe(stopsAtClose);
      expect(waits.slice(0, 5)).toEqual([20, 40, 80, 100, 100]);
    } finally {
      await close();
    }
  }, 120_000);
});

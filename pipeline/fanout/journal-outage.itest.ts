import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertFanout } from '../../schemas/ports/alert-fanout.js';
import { type PrivateService, privateKafka, privateRedis } from '../../test/faults/private-services.js';
import { createKafkaLog } from '../runtime/log/kafka-log.js';
import { createLogDeliveryJournal, deliveryJournalTopicSpec } from './log-delivery-journal.js';
import { reportRedisErrors } from './redis-connection-errors.js';
import { createRedisFanout } from './redis-fanout.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TOPIC = 'alerts.deliveries';

const event = (n: number): AlertEvent => ({
  kind: 'fired',
  id: `journal-outage:${1723161300000 + n}`,
  ruleId: 'rsi-overbought',
  owner: 'alice',
  venue: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  time: 1723161300000 + n,
  message: `BTCUSDT rsi(14) crossing up 70 (#${n})`,
  source: { kind: 'indicator', spec: 'rsi(14)', output: 'value' },
  condition: { operator: 'crossing_up', value: 70 },
  previous: 69.5,
  current: 70.25,
  trigger: { kind: 'bar', openTime: 1723161300000, final: true, revision: 0 },
  sourcePosition: { topic: 'nexural.trades.raw', partition: 0, offset: String(n) },
});

async function started(service: Promise<PrivateService>): Promise<PrivateService> {
  const running = await service;
  cleanups.push(() => running.stop());
  await running.start();
  return running;
}

describe('the alert delivery journal through a broker outage and a Redis restart', () => {
  it('journals a delivery made while the broker is down once it is back, and a publish while both are gone waits instead of failing', async () => {
    const kafka = await started(privateKafka());
    const redisServer = await started(privateRedis());
    const log = createKafkaLog({ brokers: [kafka.address] });
    cleanups.push(() => log.close());
    await log.admin.createTopics([deliveryJournalTopicSpec(TOPIC)]);
    const journal = createLogDeliveryJournal(log, TOPIC, { readTimeoutMs: 5_000 });
    cleanups.push(() => journal.close());
    const warnings: string[] = [];
    const redis = new Redis(redisServer.address, { maxRetriesPerRequest: null });
    reportRedisErrors(redis, { name: 'test', warn: () => {} });
    cleanups.push(async () => redis.disconnect());
    const fanout: AlertFanout = createRedisFanout(redis, {
      journal,
      onWarning: (message) => warnings.push(message),
    });
    cleanups.push(() => fanout.close());

    const first = await fanout.publish(event(1));
    await kafka.kill();
    // delivered through Redis; its journal write fails for longer than the old ~6 s of retries
    const during = await fanout.publish(event(2));
    expect(during).not.toBeNull();
    await sleep(8_000);
    await redisServer.kill();
    await redisServer.start();
    // Redis came back empty while the journal cannot be read: the publish waits for the rebuild
    let settled: 'resolved' | 'rejected' | null = null;
    const waiting = fanout.publish(event(3)).then(
      (id) => {
        settled = 'resolved';
        return id;
      },
      (error: unknown) => {
        settled = 'rejected';
        throw error;
      },
    );
    await sleep(5_000);
    expect(settled).toBeNull();
    await kafka.start();
    const third = await waiting;
    expect(third).not.toBeNull();

    const history = await fanout.history({ kind: 'owner', owner: 'alice' }, null, 10);
    // the delivery made during the outage came back with its original id, then the waiting one
    expect(history.map(({ id, event: { id: eventId } }) => [id, eventId])).toEqual([
      [first, event(1).id],
      [during, event(2).id],
      [third, event(3).id],
    ]);
    // and a re-publish of it is recognised as a repeat (its seen-key was rebuilt too)
    expect(await fanout.publish(event(2))).toBeNull();
    expect(warnings.some((message) => message.includes('retrying until the log answers'))).toBe(true);
    expect(warnings.some((message) => message.includes('rebuilt 2 deliveries'))).toBe(true);
  }, 150_000);
});

import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { Bar } from '../../../schemas/bar.js';
import type { DeadLetter } from '../../../schemas/dead-letter.js';
import { parseEnv } from '../../../schemas/env.js';
import type { AlertDelivery } from '../../../schemas/ports/alert-fanout.js';
import type { LogRecord } from '../../../schemas/ports/stream-log.js';
import { alertChannels, alertDeliveriesTopic } from '../../../schemas/topics.js';
import { stackEnv } from '../../../test/stack-env.js';
import type { RecordSerde } from '../serdes/record-serde.js';
import { buildPipeline, type Pipeline } from '../wiring/build-pipeline.js';
import { endToEndScenario, scenarioEngine } from './testing/end-to-end-scenario.js';
import { caughtUp, readAll, testTopics } from './testing/processor-test-kit.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** The shared Redis keeps streams and seen-markers: remove this run's entries only. */
async function removeAlertsOf(owner: string, ids: readonly string[]) {
  const redis = new Redis(stackEnv().REDIS_URL);
  try {
    const shared = [alertChannels.stream, alertChannels.symbolStream('binance-um', 'BTCUSDT')];
    for (const stream of shared) {
      const entries = await redis.xrange(stream, '-', '+');
      const mine = entries.filter(([, fields]) => (fields[1] ?? '').includes(owner)).map(([id]) => id);
      if (mine.length > 0) await redis.xdel(stream, ...mine);
    }
    await redis.del(alertChannels.ownerStream(owner), ...ids.map((id) => alertChannels.seen(id)));
  } finally {
    await redis.quit();
  }
}

const decodeAll = async <T>(pipeline: Pipeline, serde: RecordSerde<T>): Promise<T[]> => {
  const records: LogRecord[] = (await readAll(pipeline.log, serde.topic, 1500)).flat();
  return Promise.all(records.map((record) => serde.deserialize(record.value ?? Buffer.alloc(0))));
};

describe('stream processor on Kafka, the Schema Registry and Redis', () => {
  it('turns real trades with 1,600 fuzzed bad records into the bars of `nexural bars`, the alerts of the engine alone (also on Redis pub/sub) and one dead letter per bad record', async () => {
    const run = Math.random().toString(16).slice(2, 10);
    const topics = testTopics(run);
    const names = {
      ...topics,
      quotes: `${topics.trades}.quotes`,
    };
    const env = parseEnv({ ...stackEnv() });
    const errors: Error[] = [];
    const groupId = `test.processor.${run}.group`;
    const pipeline = await buildPipeline({
      env,
      topics: names,
      processor: { groupId, engine: scenarioEngine },
      onError: (error) => errors.push(error),
    });
    cleanups.push(async () => {
      await pipeline.close();
      const admin = (await import('../log/kafka-log.js')).createKafkaLog({
        brokers: env.KAFKA_BROKERS ?? [],
      });
      await admin.admin.deleteGroups([groupId]).catch(() => {});
      await admin.admin.deleteTopics([...Object.values(names), alertDeliveriesTopic(names)]);
      await admin.close();
      const registry = SchemaRegistryClient.newClient({ baseURLs: [env.SCHEMA_REGISTRY_URL ?? ''] });
      for (const serde of Object.values(pipeline.serdes)) {
        if (serde.subject) await registry.deleteSubject(serde.subject, false).catch(() => {});
      }
    });
    expect(pipeline.adapters.log).toMatch(/^Kafka /);
    expect(pipeline.adapters.serdes).toMatch(/^Schema Registry /);
    expect(pipeline.adapters.fanout).toMatch(/^Redis /);
    await pipeline.createTopics(3);

    // 1 or 2 days ago: the broker keeps records by timestamp for 7 days, and bars keep their alignment
    const shiftDays = Math.floor((Date.now() - Date.UTC(2024, 7, 8)) / 86_400_000) - 1;
    const scenario = endToEndScenario(topics.trades, shiftDays, run);
    const owner = `alice-${run}`;
    const delivered: AlertDelivery[] = [];
    const subscription = await pipeline.fanout.subscribe({ kind: 'owner', owner }, (delivery) =>
      delivered.push(delivery),
    );
    cleanups.push(() => subscription.close());
    const producer = await pipeline.log.createProducer();
    await producer.send(
      scenario.rules.map((rule) => ({
        topic: topics.alertRules,
        key: rule.id,
        value: Buffer.from(JSON.stringify(rule)),
      })),
    );
    const positions = await producer.send(scenario.records);
    await pipeline.processor.start();
    await caughtUp(pipeline.log, groupId, topics.trades, 120_000);
    expect(errors).toEqual([]);

    const alerts = await decodeAll<AlertEvent>(pipeline, pipeline.serdes.alerts);
    cleanups.push(() =>
      removeAlertsOf(
        owner,
        alerts.map((event) => event.id),
      ),
    );
    await scenario.verify(positions, {
      finals: await decodeAll<Bar>(pipeline, pipeline.serdes.barsFinal),
      alerts,
      deadLetters: await decodeAll<DeadLetter>(pipeline, pipeline.serdes.deadLetters),
    });
    const deadline = Date.now() + 10_000;
    while (delivered.length < alerts.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(delivered.map((delivery) => delivery.event)).toEqual(alerts);
  }, 240_000);
});

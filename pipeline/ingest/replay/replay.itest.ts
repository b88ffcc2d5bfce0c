import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bar } from '../../../schemas/bar.js';
import { parseEnv } from '../../../schemas/env.js';
import type { TopicNames } from '../../../schemas/topics.js';
import { stackEnv } from '../../../test/stack-env.js';
import { createKafkaLog } from '../../runtime/log/kafka-log.js';
import { endToEndScenario, scenarioEngine } from '../../runtime/processor/testing/end-to-end-scenario.js';
import { readAll, recordImage } from '../../runtime/processor/testing/processor-test-kit.js';
import { derivedSerdesFor } from '../../runtime/serdes/derived-serdes.js';
import { replay } from './replay.js';
import { deleteRun } from './runs.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const derivedRoles = ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const;

describe('replay on Kafka with the Schema Registry', () => {
  it('two replays of the same range of recorded trades (with fuzzed bad records) write byte-identical derived topics', async () => {
    const env = parseEnv({ ...stackEnv() });
    const id = Math.random().toString(16).slice(2, 10);
    // the recorded topics of this test only (the live ones may be in use on the shared broker)
    const sources = { trades: `test.replay.${id}.trades`, alertRules: `test.replay.${id}.rules` };
    const log = createKafkaLog({ brokers: env.KAFKA_BROKERS ?? [] });
    const serdesFor = derivedSerdesFor(env.SCHEMA_REGISTRY_URL);
    const registry = SchemaRegistryClient.newClient({ baseURLs: [env.SCHEMA_REGISTRY_URL ?? ''] });
    const runs = [`a-${id}`, `b-${id}`];
    cleanups.push(async () => {
      for (const run of runs) {
        const names = await deleteRun(log, run).catch(() => null);
        if (names === null) continue;
        for (const topic of names.topics)
          await registry.deleteSubject(`${topic}-value`, false).catch(() => {});
      }
      await log.admin.deleteTopics(Object.values(sources));
      await log.close();
    });
    await log.admin.createTopics([
      { name: sources.trades, partitions: 3, compacted: false },
      { name: sources.alertRules, partitions: 1, compacted: true },
    ]);
    // 1 or 2 days ago: the broker keeps records by timestamp for 7 days, and bars keep their alignment
    const shiftDays = Math.floor((Date.now() - Date.UTC(2024, 7, 8)) / 86_400_000) - 1;
    const scenario = endToEndScenario(sources.trades, shiftDays, id);
    const producer = await log.createProducer();
    await producer.send(
      scenario.rules.map((rule) => ({
        topic: sources.alertRules,
        key: rule.id,
        value: Buffer.from(JSON.stringify(rule)),
      })),
    );
    await producer.send(scenario.records);
    await producer.close();

    const request = { speed: Number.POSITIVE_INFINITY, engine: scenarioEngine, formingBars: 'all' as const };
    const first = await replay({ log, serdesFor, sources }, { ...request, run: runs[0] ?? '' });
    const second = await replay({ log, serdesFor, sources }, { ...request, run: runs[1] ?? '' });
    expect(first.counts).toMatchObject({ ticks: 21_313, deadLetters: scenario.badCount });
    expect(second.counts).toEqual(first.counts);
    expect(second.reusedSlice).toBe(true);

    const images = async (names: TopicNames) => {
      const result: Record<string, string[][]> = {};
      for (const role of derivedRoles) {
        result[role] = (await readAll(log, names[role], 1500)).map((records) => records.map(recordImage));
      }
      return result;
    };
    const [a, b] = [await images(first.topics), await images(second.topics)];
    for (const role of derivedRoles) expect(b[role], role).toEqual(a[role]);
    const serdes = await serdesFor(first.topics);
    const finals: Bar[] = await Promise.all(
      (await readAll(log, first.topics.barsFinal, 1500))
        .flat()
        .map((record) => serdes.barsFinal.deserialize(record.value ?? Buffer.alloc(0))),
    );
    // the six minutes of the file: the five complete ones are final (the last closes on later trades)
    expect(finals.filter((bar) => bar.interval === '1m')).toHaveLength(5);
    expect(a.alerts?.flat().length).toBeGreaterThan(0);
  }, 240_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import type { StreamLog } from '../../../schemas/ports/stream-log.js';
import { createEmbeddedLog } from '../log/embedded-log.js';
import { createProcessor } from './processor.js';
import {
  caughtUp,
  jsonSerdes,
  rawRecord,
  readAll,
  readRawTrades,
  recordImage,
  type TestTopics,
  testTopics,
  topicSpecs,
  UM_ENGINE,
  UM_RULES,
  UM_TRADES_FILE,
} from './testing/processor-test-kit.js';

const umTrades = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT');
const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const derivedRoles = ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const log = createEmbeddedLog();
  const topics = testTopics();
  await log.admin.createTopics(topicSpecs(topics, 1));
  const producer = await log.createProducer();
  await producer.send(
    UM_RULES.map((rule) => ({ topic: topics.alertRules, key: rule.id, value: json(rule) })),
  );
  cleanups.push(() => log.close());
  const records = umTrades.map((trade) => rawRecord(topics.trades, trade));
  return { log, topics, producer, records };
}

function startProcessor(log: StreamLog, topics: TestTopics, overrides: Record<string, unknown>) {
  const errors: Error[] = [];
  const warnings: string[] = [];
  const processor = createProcessor({
    log,
    topics,
    serdes: jsonSerdes(topics),
    fanout: null,
    config: { groupId: `${topics.trades}.group`, engine: UM_ENGINE, ...overrides },
    onError: (error) => errors.push(error),
    onWarning: (message) => warnings.push(message),
  });
  cleanups.push(() => processor.close());
  return { processor, errors, warnings, started: processor.start() };
}

/** The derived topics' records, the run's unique topic names (also inside the values) made one. */
async function images(log: StreamLog, topics: TestTopics) {
  const run = /test\.processor\.[0-9a-f]{8}/g;
  const readable = (image: string) =>
    image
      .split('|')
      .map((part) => {
        const text = Buffer.from(part, 'base64').toString('utf8');
        return text.startsWith('{') ? text : part;
      })
      .join('|')
      .replaceAll(run, 'run');
  const result: Record<string, string[]> = {};
  for (const role of derivedRoles) {
    result[role] = (await readAll(log, topics[role], 300))
      .flat()
      .map((record) => readable(recordImage(record)));
  }
  return result;
}

describe('a restore that finds no progress record for the committed offset (embedded log)', () => {
  for (const transactions of ['per-partition', 'shared'] as const) {
    it(`${transactions}: rebuilds the partition from the start of the log, silent until the committed offset; the derived topics equal an uninterrupted run's`, async () => {
      const clean = await setup();
      await clean.producer.send(clean.records);
      const uninterrupted = startProcessor(clean.log, clean.topics, { transactions });
      await uninterrupted.started;
      await caughtUp(clean.log, `${clean.topics.trades}.group`, clean.topics.trades, 60_000);

      const faulted = await setup();
      const half = Math.floor(faulted.records.length / 2);
      await faulted.producer.send(faulted.records.slice(0, half));
      const first = startProcessor(faulted.log, faulted.topics, { transactions });
      await first.started;
      await caughtUp(faulted.log, `${faulted.topics.trades}.group`, faulted.topics.trades, 60_000);
      await first.processor.close();
      // the group's offsets stay; the state topic the next owner reads has no progress record of them
      const stateless = { ...faulted.topics, processorState: `${faulted.topics.processorState}.empty` };
      await faulted.log.admin.createTopics(
        topicSpecs(stateless, 1).filter((spec) => spec.name === stateless.processorState),
      );
      const second = startProcessor(faulted.log, stateless, { transactions, stateWaitMs: 300 });
      await second.started;
      await faulted.producer.send(faulted.records.slice(half));
      await caughtUp(faulted.log, `${faulted.topics.trades}.group`, faulted.topics.trades, 60_000);

      expect([...uninterrupted.errors, ...first.errors, ...second.errors]).toEqual([]);
      expect(second.warnings).toEqual([expect.stringContaining(`at offset ${half}`)]);
      expect(second.warnings[0]).toContain('from the start of the log');
      const want = await images(clean.log, clean.topics);
      expect(want.alerts?.length).toBeGreaterThan(0);
      expect(await images(faulted.log, faulted.topics)).toEqual(want);
    }, 120_000);
  }
});

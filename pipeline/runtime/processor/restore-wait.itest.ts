import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RoleState } from '../../../schemas/ports/role-health.js';
import { kafkaBrokers } from '../../../test/stack-env.js';
import { kafkaLogs } from '../log/stream-log-from-env.js';
import { createProcessor } from './processor.js';
import { crashEngine } from './testing/crash-harness.js';
import {
  caughtUp,
  jsonSerdes,
  rawRecord,
  readAll,
  readRawTrades,
  testTopics,
  topicSpecs,
  UM_TRADES_FILE,
} from './testing/processor-test-kit.js';
import { processorTransactions } from './testing/processor-transactions.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SESSION_TIMEOUT_MS = 6_000;
const STATE_WAIT_MS = 15_000;

describe('restoring an assigned partition on Kafka', () => {
  it('keeps its group membership while a restore waits longer than the session timeout, reports the wait on /ready, then processes', async () => {
    const run = Math.random().toString(16).slice(2, 10);
    const topics = testTopics(run);
    const groupId = `test.processor.${run}.group`;
    const brokers = kafkaBrokers();
    const transactions = processorTransactions('restore');
    // the default client (platformatic: auto runs shared transactions there); per-partition ran on kafkajs
    const log = kafkaLogs[transactions.transactions === 'per-partition' ? 'kafkajs' : 'platformatic']({
      brokers,
      consumer: { sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 500 },
    });
    const kafkaAdmin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await kafkaAdmin.connect();
    cleanups.push(async () => {
      await kafkaAdmin.disconnect();
      await log.admin.deleteGroups([groupId]).catch(() => {});
      await log.admin.deleteTopics(Object.values(topics));
      await log.close();
    });
    await log.admin.createTopics(topicSpecs(topics, 2));
    const trades = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT').slice(0, 400);
    const producer = await log.createProducer();
    await producer.send(trades.map((trade) => rawRecord(topics.trades, trade)));
    await producer.close();
    const [loaded] = (await log.admin.partitionRanges(topics.trades)).filter(({ high }) => high !== '0');
    if (loaded === undefined) throw new Error('no partition received the trades');

    // a committed offset with no progress record in the state topic: the restore waits the full stateWaitMs
    await kafkaAdmin.setOffsets({
      groupId,
      topic: topics.trades,
      partitions: [{ partition: loaded.partition, offset: '100' }],
    });

    const reports: RoleState[] = [];
    const warnings: string[] = [];
    const errors: Error[] = [];
    const processor = createProcessor({
      log,
      topics,
      serdes: jsonSerdes(topics),
      fanout: null,
      health: { report: (_role, state) => reports.push(state) },
      config: { groupId, engine: crashEngine, stateWaitMs: STATE_WAIT_MS, ...transactions },
      onError: (error) => errors.push(error),
      onWarning: (message) => warnings.push(message),
    });
    cleanups.push(() => processor.close());
    const started = Date.now();
    await processor.start();

    const members = new Set<string>();
    const states = new Set<string>();
    while (Date.now() - started < STATE_WAIT_MS + 3_000) {
      const [group] = (await kafkaAdmin.describeGroups([groupId])).groups;
      states.add(group?.state ?? 'missing');
      for (const member of group?.members ?? []) members.add(member.memberId);
      await sleep(500);
    }
    await caughtUp(log, groupId, topics.trades, 30_000);

    expect(errors).toEqual([]);
    // one member all along: never evicted (a new member id) nor rebalancing
    expect(members.size).toBe(1);
    expect([...states]).toEqual(['Stable']);
    expect(reports).toContainEqual(
      expect.objectContaining({
        status: 'waiting',
        reason: `waiting for partition ${loaded.partition} restore`,
      }),
    );
    expect(reports.at(-1)?.status).toBe('up');
    expect(
      warnings.some((message) => message.includes('rebuilding') && message.includes('start of the log')),
    ).toBe(true);
    // offsets [0, 100) were committed without outputs: the replay from the start is silent until 100
    const bars = (await readAll(log, topics.barsFinal, 1500)).flat();
    expect(bars.length).toBeGreaterThan(0);
  }, 90_000);
});

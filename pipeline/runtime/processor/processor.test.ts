import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../../schemas/alert-rule.js';
import type { Bar } from '../../../schemas/bar.js';
import type { DeadLetter } from '../../../schemas/dead-letter.js';
import type { AlertDelivery, AlertFanout } from '../../../schemas/ports/alert-fanout.js';
import type { LogRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import { createInProcessFanout } from '../../fanout/in-process-fanout.js';
import { createRedisFanout } from '../../fanout/redis-fanout.js';
import { createEmbeddedLog } from '../log/embedded-log.js';
import { createProcessor, type Processor } from './processor.js';
import { endToEndScenario, scenarioEngine } from './testing/end-to-end-scenario.js';
import {
  caughtUp,
  derivedOf,
  jsonSerdes,
  rawRecord,
  readAll,
  readRawTrades,
  recordImage,
  SPOT_TRADES_FILES,
  type TestTopics,
  testTopics,
  topicSpecs,
  UM_ENGINE,
  UM_RULES,
  UM_TRADES_FILE,
} from './testing/processor-test-kit.js';

const engine = UM_ENGINE;
const rules = UM_RULES;

const umTrades = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT');
const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const decode = <T>(record: LogRecord): T => JSON.parse(record.value?.toString('utf8') ?? 'null') as T;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  partitions: number,
  published: readonly AlertRuleInput[] = rules,
): Promise<{ log: StreamLog; topics: TestTopics }> {
  const log = createEmbeddedLog();
  const topics = testTopics();
  await log.admin.createTopics(topicSpecs(topics, partitions));
  const producer = await log.createProducer();
  await producer.send(
    published.map((rule) => ({ topic: topics.alertRules, key: rule.id, value: json(rule) })),
  );
  cleanups.push(() => log.close());
  return { log, topics };
}

function startProcessor(
  log: StreamLog,
  topics: TestTopics,
  overrides: Record<string, unknown> = {},
  fanout: AlertFanout | null = null,
  now?: () => number,
) {
  const errors: Error[] = [];
  const processor: Processor = createProcessor({
    log,
    topics,
    serdes: jsonSerdes(topics),
    fanout,
    ...(now ? { now } : {}),
    config: { groupId: `${topics.trades}.group`, engine, ...overrides },
    onError: (error) => errors.push(error),
  });
  cleanups.push(() => processor.close());
  return { processor, errors, started: processor.start() };
}

describe('stream processor on the embedded log', () => {
  it('turns real trades with 1,600 fuzzed bad records into the bars of `nexural bars`, the alerts of the engine alone, and one dead letter per bad record', async () => {
    const { log, topics } = await setup(3, []);
    const scenario = endToEndScenario(topics.trades, 0, 'embedded');
    const producer = await log.createProducer();
    await producer.send(
      scenario.rules.map((rule) => ({ topic: topics.alertRules, key: rule.id, value: json(rule) })),
    );
    const positions = await producer.send(scenario.records);
    const { errors, started } = startProcessor(log, topics, { engine: scenarioEngine });
    await started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    expect(errors).toEqual([]);
    const read = async <T>(topic: string) =>
      (await readAll(log, topic, 300)).flat().map((record) => decode<T>(record));
    await scenario.verify(positions, {
      finals: await read<Bar>(topics.barsFinal),
      alerts: await read<AlertEvent>(topics.alerts),
      deadLetters: await read<DeadLetter>(topics.deadLetters),
    });
  }, 120_000);

  it('refuses shared transactions on a log that cannot fence offsets by group generation, naming the setting', async () => {
    const { log, topics } = await setup(1, []);
    const unfenced: StreamLog = { ...log, fencesByGeneration: false };
    const { started } = startProcessor(unfenced, topics, { transactions: 'shared' });
    const refused = await started.catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'NXR_CONFIG_INVALID' });
    expect(String(refused)).toContain("transactions 'shared'");
  });

  it('by default (auto) runs shared transactions where the log fences by generation and per-partition ones where it cannot, and starts on both', async () => {
    const { log, topics } = await setup(1, []);
    const fenced = startProcessor(log, topics, {});
    expect(fenced.processor.transactions).toBe('shared');
    await fenced.started;
    await fenced.processor.close();
    const unfenced: StreamLog = { ...log, fencesByGeneration: false };
    const perPartition = startProcessor(unfenced, topics, { transactions: 'auto' });
    expect(perPartition.processor.transactions).toBe('per-partition');
    await perPartition.started;
    expect([...fenced.errors, ...perPartition.errors]).toEqual([]);
  });
});

/** Real trades of three symbols (one per partition of three), merged by event time. */
const threeSymbols = (topic: string) =>
  [...umTrades, ...SPOT_TRADES_FILES.flatMap(({ symbol, file }) => readRawTrades(file, 'binance', symbol))]
    .sort((a, b) => a.time - b.time)
    .map((trade) => rawRecord(topic, trade));

const derivedRoles = ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const;

async function images(log: StreamLog, topics: TestTopics) {
  const result: Record<string, string[][]> = {};
  for (const role of derivedRoles) {
    result[role] = (await readAll(log, topics[role], 300)).map((records) => records.map(recordImage));
  }
  return result;
}

/** The same log, but every transaction's commit first awaits `beforeCommit()`. */
const withCommitWait = (log: StreamLog, beforeCommit: () => Promise<unknown>): StreamLog => ({
  kind: log.kind,
  fencesByGeneration: log.fencesByGeneration,
  admin: log.admin,
  createProducer: () => log.createProducer(),
  consume: (options) => log.consume(options),
  close: () => log.close(),
  createTransactionalProducer: async (transactionalId) => {
    const producer = await log.createTransactionalProducer(transactionalId);
    return {
      transactionalId,
      close: () => producer.close(),
      transaction: async () => {
        const transaction = await producer.transaction();
        return {
          send: (records) => transaction.send(records),
          sendOffsets: (groupId, offsets, generation) =>
            transaction.sendOffsets(groupId, offsets, generation),
          abort: () => transaction.abort(),
          commit: async () => {
            await beforeCommit();
            await transaction.commit();
          },
        };
      },
    };
  },
});

/** Every transaction waits `ms` before it commits: a slow broker. */
const slowCommits = (log: StreamLog, ms: number): StreamLog =>
  withCommitWait(log, () => new Promise((resolve) => setTimeout(resolve, ms)));

/** The first transaction's commit waits until `release()`; `firstCommit` resolves when it starts waiting. */
const gatedFirstCommit = (log: StreamLog) => {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let started = () => {};
  const firstCommit = new Promise<void>((resolve) => {
    started = resolve;
  });
  let commits = 0;
  const gated = withCommitWait(log, async () => {
    if (commits++ > 0) return;
    started();
    await gate;
  });
  return { log: gated, firstCommit, release };
};

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('stream processor restarts and rebalances', () => {
  it.each(['per-partition', 'shared'] as const)(
    '%s transactions: a processor closed mid-stream, restarted, then joined by a second one writes exactly what one uninterrupted processor writes',
    async (transactions) => {
      const { log, topics } = await setup(3);
      const records = threeSymbols(topics.trades);
      await (await log.createProducer()).send(records);
      const clean = derivedOf(topics, 'clean');
      await log.admin.createTopics(topicSpecs(clean, 3));
      const reference = startProcessor(log, clean, { groupId: 'clean-group' });
      await reference.started;
      await caughtUp(log, 'clean-group', topics.trades, 60_000);
      await reference.processor.close();

      const fanout = createInProcessFanout();
      const delivered: AlertDelivery[] = [];
      await fanout.subscribe({ kind: 'all' }, (delivery) => delivered.push(delivery));
      const checkpointed = { snapshotEveryRecords: 2_000, transactions };
      const first = startProcessor(log, topics, checkpointed, fanout);
      await first.started;
      await until(() => first.processor.stats.records >= 30_000, '30,000 records');
      await first.processor.close();
      const firstRecords = first.processor.stats.records;
      const second = startProcessor(log, topics, checkpointed, fanout);
      await second.started;
      await until(() => second.processor.stats.records >= 10_000, '10,000 more records');
      const silentAfterRestart = second.processor.stats.silentRecords;
      const third = startProcessor(log, topics, checkpointed, fanout);
      await third.started;
      await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
      expect([...first.errors, ...second.errors, ...third.errors]).toEqual([]);
      // restored from checkpoints: only the records since each partition's last one are re-processed, at
      // most a batch (5,000) each, never the whole history
      expect(first.processor.stats.checkpoints).toBeGreaterThanOrEqual(3);
      expect(silentAfterRestart).toBeGreaterThan(0);
      expect(silentAfterRestart).toBeLessThanOrEqual(15_000);
      expect(silentAfterRestart).toBeLessThan(firstRecords);
      expect(third.processor.stats.partitions).toBeGreaterThan(0);

      const expected = await images(log, clean);
      const actual = await images(log, topics);
      for (const role of derivedRoles) expect(actual[role], role).toEqual(expected[role]);
      expect(expected.bars?.flat().length).toBeGreaterThan(records.length);

      const alertIds = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r).id);
      await until(() => delivered.length >= alertIds.length, 'every alert delivered');
      expect(delivered.map((delivery) => delivery.event.id).sort()).toEqual([...alertIds].sort());
    },
    180_000,
  );

  it('hands alerts to the fan-out at once when configured: the same alerts, in the same order, as the alerts topic', async () => {
    const { log, topics } = await setup(3);
    await (await log.createProducer()).send(threeSymbols(topics.trades));
    const fanout = createInProcessFanout();
    const delivered: AlertDelivery[] = [];
    await fanout.subscribe({ kind: 'all' }, (delivery) => delivered.push(delivery));
    const { errors, started } = startProcessor(log, topics, { alertsToFanout: 'at-once' }, fanout);
    await started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    expect(errors).toEqual([]);
    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    expect(alerts.length).toBeGreaterThan(0);
    const byPartition = (events: readonly AlertEvent[]) =>
      [0, 1, 2].map((partition) =>
        events.filter((event) => event.kind === 'fired' && event.sourcePosition?.partition === partition),
      );
    expect(byPartition(delivered.map((delivery) => delivery.event))).toEqual(byPartition(alerts));
  }, 60_000);

  it('at once: alerts the fan-out refuses (its Redis unreachable) are counted and warned about; the alerts topic has them all', async () => {
    const { log, topics } = await setup(1);
    await (await log.createProducer()).send(umTrades.map((trade) => rawRecord(topics.trades, trade)));
    // nothing listens on port 1: every publish is refused at once instead of queued for a reconnect
    const redis = new Redis({ host: '127.0.0.1', port: 1, enableOfflineQueue: false, lazyConnect: true });
    redis.on('error', () => {});
    cleanups.push(async () => redis.disconnect());
    const warnings: string[] = [];
    const processor = createProcessor({
      log,
      topics,
      serdes: jsonSerdes(topics),
      fanout: createRedisFanout(redis),
      config: { groupId: `${topics.trades}.group`, engine, alertsToFanout: 'at-once' },
      onWarning: (message) => warnings.push(message),
    });
    cleanups.push(() => processor.close());
    await processor.start();
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    expect(alerts.length).toBeGreaterThan(1);
    await until(() => processor.stats.fanoutFailures === alerts.length, 'every alert tried');
    expect(processor.stats.published).toBe(0);
    const refused = warnings.filter((message) => message.includes('not published to the fan-out'));
    expect(refused.map((message) => message.split(' ')[1])).toEqual(alerts.map((event) => event.id));
  }, 60_000);

  it("at once: a restart with its checkpoint's rules unchanged commits no rule set and holds no alert back; the fan-out gets every alert once", async () => {
    const { log, topics } = await setup(1);
    const records = umTrades.map((trade) => rawRecord(topics.trades, trade));
    const third = Math.floor(records.length / 3);
    const producer = await log.createProducer();
    await producer.send(records.slice(0, third));
    const fanout = createInProcessFanout();
    const delivered: AlertDelivery[] = [];
    await fanout.subscribe({ kind: 'all' }, (delivery) => delivered.push(delivery));
    const first = startProcessor(log, topics, { alertsToFanout: 'at-once' }, fanout);
    await first.started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    await first.processor.close();
    expect(first.processor.stats.ruleCommits).toBe(1);
    // what the first left for the second holds the checkpoint's rules; the records after it, the current ones
    await producer.send(records.slice(third, 2 * third));
    const second = startProcessor(log, topics, { alertsToFanout: 'at-once' }, fanout);
    await second.started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    await producer.send(records.slice(2 * third));
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    expect([...first.errors, ...second.errors]).toEqual([]);
    expect(second.processor.stats.ruleCommits).toBe(0);
    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    const offsetOf = (event: AlertEvent) =>
      Number(event.kind === 'fired' ? event.sourcePosition?.offset : -1);
    expect(alerts.filter((event) => offsetOf(event) >= 2 * third).length).toBeGreaterThan(0);
    await until(() => delivered.length >= alerts.length, 'every alert delivered');
    expect(delivered.map((delivery) => delivery.event.id)).toEqual(alerts.map((event) => event.id));
  }, 120_000);

  it("at once: a fresh partition commits its rule set before its first record; later a partition goes on processing while a rule set commits, a rule's alerts wait for the rule set that added it, other rules' alerts do not", async () => {
    const { log, topics } = await setup(1);
    const records = umTrades.map((trade) => rawRecord(topics.trades, trade));
    const half = Math.floor(records.length / 2);
    const producer = await log.createProducer();
    await producer.send(records.slice(0, half));
    const fanout = createInProcessFanout();
    // every transaction takes 300 ms to commit (a slow broker): long enough to see what runs meanwhile
    const slow = slowCommits(log, 300);
    const { processor, errors, started } = startProcessor(
      slow,
      topics,
      { alertsToFanout: 'at-once' },
      fanout,
    );
    // the rule commits counted (after their transaction) when each alert reached the fan-out
    const seen: { ruleId: string; offset: number; ruleCommits: number }[] = [];
    await fanout.subscribe({ kind: 'all' }, ({ event }) =>
      seen.push({
        ruleId: event.ruleId,
        offset: Number(event.kind === 'fired' ? event.sourcePosition?.offset : -1),
        ruleCommits: processor.stats.ruleCommits,
      }),
    );
    let processedBeforeRulesCommitted = 0;
    let watched = 0;
    const watch = setInterval(() => {
      const { ruleCommits, records: processed } = processor.stats;
      if (ruleCommits === 0) {
        processedBeforeRulesCommitted = processed;
        watched++;
      }
    }, 5);
    await started;
    await caughtUp(slow, `${topics.trades}.group`, topics.trades, 60_000);
    clearInterval(watch);
    // the rule set of a partition nothing was processed of committed before its first record (the 300 ms
    // commit was watched): none of its alerts waited for it (before, the going-live batch's did)
    expect(watched).toBeGreaterThan(10);
    expect(processedBeforeRulesCommitted).toBe(0);
    const added: AlertRuleInput = {
      id: 'btc-each-minute-above-61500',
      owner: 'carol',
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'greater_than', value: 61_500 },
      frequency: 'once_per_bar',
    };
    await producer.send([{ topic: topics.alertRules, key: added.id, value: json(added) }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await producer.send(records.slice(half));
    await caughtUp(slow, `${topics.trades}.group`, topics.trades, 60_000);
    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    await until(() => seen.length >= alerts.length, 'every alert delivered');
    expect(errors).toEqual([]);
    expect(processor.stats.ruleCommits).toBe(2);
    expect(seen.filter((alert) => alert.ruleId !== added.id).length).toBeGreaterThan(0);
    expect(seen.every((alert) => alert.ruleCommits >= 1)).toBe(true);
    const ofAdded = seen.filter((alert) => alert.ruleId === added.id);
    expect(ofAdded.length).toBeGreaterThanOrEqual(2);
    expect(ofAdded.every((alert) => alert.ruleCommits === 2)).toBe(true);
    // one user's new rule does not hold back another's alerts: some of the second half's went out while it
    // was still committing
    const othersMeanwhile = seen.filter(
      (alert) => alert.ruleId !== added.id && alert.offset >= half && alert.ruleCommits === 1,
    );
    expect(othersMeanwhile.length).toBeGreaterThan(0);
    expect(seen.length).toBe(alerts.length);
  }, 60_000);

  it("at once: a batch's alerts go out slice by slice, not after its last slice", async () => {
    const { log, topics } = await setup(1);
    const producer = await log.createProducer();
    // the embedded log hands these over in batches of 5,000; the processor takes 1,000 records a slice
    await producer.send(umTrades.map((trade) => rawRecord(topics.trades, trade)));
    const fanout = createInProcessFanout();
    const { processor, errors, started } = startProcessor(log, topics, { alertsToFanout: 'at-once' }, fanout);
    // the records counted (after each batch) when each alert reached the fan-out
    const seen: { offset: number; recordsCounted: number }[] = [];
    await fanout.subscribe({ kind: 'all' }, ({ event }) =>
      seen.push({
        offset: Number(event.kind === 'fired' ? event.sourcePosition?.offset : -1),
        recordsCounted: processor.stats.records,
      }),
    );
    await started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    expect(errors).toEqual([]);
    const ofFirstSlices = seen.filter((alert) => alert.offset >= 0 && alert.offset < 4000);
    expect(ofFirstSlices.length).toBeGreaterThan(0);
    expect(ofFirstSlices.every((alert) => alert.recordsCounted === 0)).toBe(true);
  }, 60_000);

  it('at once: a rule added while a fresh partition commits its first rule set takes effect on going live, committed before its alerts go out', async () => {
    const { log, topics } = await setup(1);
    const records = umTrades.map((trade) => rawRecord(topics.trades, trade));
    const producer = await log.createProducer();
    const fanout = createInProcessFanout();
    const gated = gatedFirstCommit(log);
    const { processor, errors, started } = startProcessor(
      gated.log,
      topics,
      { alertsToFanout: 'at-once' },
      fanout,
    );
    const seen: { ruleId: string; ruleCommits: number }[] = [];
    await fanout.subscribe({ kind: 'all' }, ({ event }) =>
      seen.push({ ruleId: event.ruleId, ruleCommits: processor.stats.ruleCommits }),
    );
    await started;
    await gated.firstCommit;
    const added: AlertRuleInput = {
      id: 'btc-each-minute-above-61500',
      owner: 'carol',
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'greater_than', value: 61_500 },
      frequency: 'once_per_bar',
    };
    await producer.send([{ topic: topics.alertRules, key: added.id, value: json(added) }]);
    // the processor has read the rule (its rules table is a consumer of the embedded log)
    await new Promise((resolve) => setTimeout(resolve, 200));
    gated.release();
    await producer.send(records);
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    await until(() => seen.length >= alerts.length, 'every alert delivered');
    expect(errors).toEqual([]);
    // the first rule set, then the one with the added rule (on going live)
    expect(processor.stats.ruleCommits).toBe(2);
    const ofAdded = seen.filter((alert) => alert.ruleId === added.id);
    expect(ofAdded.length).toBe(alerts.filter((alert) => alert.ruleId === added.id).length);
    expect(ofAdded.length).toBeGreaterThanOrEqual(2);
    expect(ofAdded.every((alert) => alert.ruleCommits === 2)).toBe(true);
    expect(seen.length).toBe(alerts.length);
  }, 60_000);

  it('restores rule sets written as changes since their base: a restart after rule edits holds exactly the edited rules, commits none', async () => {
    const filler = (i: number, value: number): AlertRuleInput => ({
      id: `filler-${i}`,
      owner: 'erin',
      symbol: 'ETHUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'greater_than', value },
      frequency: 'once',
    });
    const fillers = Array.from({ length: 40 }, (_, i) => filler(i, 1_000_000 + i));
    const { log, topics } = await setup(1, [...rules, ...fillers]);
    const records = umTrades.map((trade) => rawRecord(topics.trades, trade));
    const third = Math.floor(records.length / 3);
    const producer = await log.createProducer();
    await producer.send(records.slice(0, third));
    const config = { alertsToFanout: 'at-once', ruleChangeIntervalMs: 0 };
    const group = `${topics.trades}.group`;
    const first = startProcessor(log, topics, config);
    await first.started;
    await caughtUp(log, group, topics.trades, 60_000);
    // an edit in the middle of the rule set, a removal and a new rule that fires in the last third
    const edited = filler(20, 61_500);
    const added: AlertRuleInput = {
      ...edited,
      id: 'btc-above',
      symbol: 'BTCUSDT',
      frequency: 'once_per_bar',
    };
    await producer.send([
      { topic: topics.alertRules, key: edited.id, value: json(edited) },
      { topic: topics.alertRules, key: 'filler-3', value: null },
      { topic: topics.alertRules, key: added.id, value: json(added) },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await producer.send(records.slice(third, third + 100));
    await caughtUp(log, group, topics.trades, 60_000);
    await first.processor.close();
    expect(first.processor.stats.ruleCommits).toBe(2);
    const state = (await readAll(log, topics.processorState, 300)).flat();
    const changes = state.filter((record) => record.key?.toString().endsWith(':rule-changes'));
    expect(changes).toHaveLength(1);
    const second = startProcessor(log, topics, config);
    await second.started;
    const rest = await producer.send(records.slice(third + 100));
    await caughtUp(log, group, topics.trades, 60_000);
    expect([...first.errors, ...second.errors]).toEqual([]);
    expect(second.processor.stats.ruleCommits).toBe(0);
    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    const restStart = Number(rest[0]?.offset);
    const fired = (ruleId: string) =>
      alerts.filter(
        (event) =>
          event.ruleId === ruleId &&
          event.kind === 'fired' &&
          Number(event.sourcePosition?.offset) >= restStart,
      );
    expect(fired('btc-above').length).toBeGreaterThan(0);
    expect(alerts.some((event) => event.ruleId === 'filler-3')).toBe(false);
  }, 60_000);

  it('a burst of rule edits takes effect together: at most one rule set per ruleChangeIntervalMs, none while one is committing', async () => {
    const { log, topics } = await setup(1);
    const records = umTrades.map((trade) => rawRecord(topics.trades, trade));
    const third = Math.floor(records.length / 3);
    const producer = await log.createProducer();
    await producer.send(records.slice(0, third));
    let clock = 1_000_000;
    const config = { alertsToFanout: 'at-once', ruleChangeIntervalMs: 60_000 };
    const { processor, errors, started } = startProcessor(log, topics, config, null, () => clock);
    await started;
    const group = `${topics.trades}.group`;
    await caughtUp(log, group, topics.trades, 60_000);
    expect(processor.stats.ruleCommits).toBe(1);
    const edit = (id: string): AlertRuleInput => ({
      id,
      owner: 'dave',
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'greater_than', value: 61_500 },
      frequency: 'once_per_bar',
    });
    // three edits, each followed by records (a batch boundary), within one interval
    let next = third;
    for (const id of ['edit-a', 'edit-b', 'edit-c']) {
      await producer.send([{ topic: topics.alertRules, key: id, value: json(edit(id)) }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await producer.send(records.slice(next, next + 50));
      next += 50;
      await caughtUp(log, group, topics.trades, 60_000);
    }
    expect(processor.stats.ruleCommits).toBe(2);
    clock += 60_000;
    const rest = await producer.send(records.slice(next));
    await caughtUp(log, group, topics.trades, 60_000);
    expect(errors).toEqual([]);
    expect(processor.stats.ruleCommits).toBe(3);
    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    const offsetsOf = (ruleId: string) =>
      alerts
        .filter((event) => event.ruleId === ruleId)
        .map((event) => Number(event.kind === 'fired' ? event.sourcePosition?.offset : -1));
    const restStart = Number(rest[0]?.offset);
    // b and c took effect together, with the records after the interval; a with the first edit's records
    expect(offsetsOf('edit-a').length).toBeGreaterThan(0);
    expect(offsetsOf('edit-a')[0]).toBeLessThan(restStart);
    for (const id of ['edit-b', 'edit-c']) {
      expect(offsetsOf(id).length).toBeGreaterThan(0);
      expect(offsetsOf(id).every((offset) => offset >= restStart)).toBe(true);
    }
  }, 60_000);

  it("at once: a restored partition keeps its checkpoint's rules for the records already in the log (what the previous owner may have published), then applies the changes", async () => {
    const { log, topics } = await setup(1);
    const records = umTrades.map((trade) => rawRecord(topics.trades, trade));
    const quarter = Math.floor(records.length / 4);
    const half = Math.floor(records.length / 2);
    const producer = await log.createProducer();
    await producer.send(records.slice(0, quarter));
    const fanout = createInProcessFanout();
    const delivered: AlertDelivery[] = [];
    await fanout.subscribe({ kind: 'all' }, (delivery) => delivered.push(delivery));
    const first = startProcessor(log, topics, { alertsToFanout: 'at-once' }, fanout);
    await first.started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    await first.processor.close();
    expect(first.processor.stats.ruleCommits).toBeGreaterThanOrEqual(1);
    const secondQuarter = await producer.send(records.slice(quarter, half));
    const added: AlertRuleInput = {
      id: 'btc-each-minute-above-61500',
      owner: 'carol',
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'greater_than', value: 61_500 },
      frequency: 'once_per_bar',
    };
    await producer.send([
      { topic: topics.alertRules, key: added.id, value: json(added) },
      { topic: topics.alertRules, key: 'btc-61700-down', value: null },
    ]);
    const second = startProcessor(log, topics, { alertsToFanout: 'at-once' }, fanout);
    await second.started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    const secondHalfStart = Number(secondQuarter.at(-1)?.offset) + 1;
    await producer.send(records.slice(half));
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    expect([...first.errors, ...second.errors]).toEqual([]);
    expect(second.processor.stats.ruleCommits).toBeGreaterThanOrEqual(1);

    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    const offsetOf = (event: AlertEvent) =>
      Number(event.kind === 'fired' ? event.sourcePosition?.offset : -1);
    const newRule = alerts.filter((event) => event.ruleId === added.id);
    // nearly every trade of the file is above 61,500: the new rule would fire at once in the second quarter
    expect(umTrades.slice(quarter, half).some((trade) => Number(trade.price) > 61_500)).toBe(true);
    expect(newRule.length).toBeGreaterThanOrEqual(2);
    expect(newRule.every((event) => offsetOf(event) >= secondHalfStart)).toBe(true);
    const removed = alerts.filter((event) => event.ruleId === 'btc-61700-down');
    expect(removed.every((event) => offsetOf(event) < secondHalfStart)).toBe(true);
    await until(() => delivered.length >= alerts.length, 'every alert delivered');
    expect(delivered.map((delivery) => delivery.event.id).sort()).toEqual(
      alerts.map((event) => event.id).sort(),
    );
  }, 120_000);

  it("finalises a quiet partition's bars by the wall clock when configured, committed with a checkpoint so a restart does not repeat them", async () => {
    const { log, topics } = await setup(1, []);
    const trades = umTrades.slice(0, 2000);
    const lastTime = trades.at(-1)?.time ?? 0;
    await (await log.createProducer()).send(trades.map((trade) => rawRecord(topics.trades, trade)));
    let now = lastTime;
    const config = { engine: { bars: { intervals: ['1m'] } }, wallClockIdleMs: 200 };
    const first = createProcessor({
      log,
      topics,
      serdes: jsonSerdes(topics),
      fanout: null,
      config: { groupId: `${topics.trades}.group`, ...config },
      now: () => now,
    });
    cleanups.push(() => first.close());
    await first.start();
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    const finalsBefore = first.stats.finalBars;
    // a minute of silence, by the wall clock: the open minute of the last trade must be finalised
    now = lastTime + 60_000 + 1_000;
    await until(() => first.stats.finalBars > finalsBefore, 'a bar finalised by the wall clock');
    await first.close();
    const finals = (await readAll(log, topics.barsFinal, 300)).flat().map((r) => decode<Bar>(r));
    expect(finals.at(-1)?.openTime).toBe(lastTime - (lastTime % 60_000));
    const second = startProcessor(log, topics, config);
    await second.started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await second.processor.close();
    expect(second.errors).toEqual([]);
    expect((await readAll(log, topics.barsFinal, 300)).flat()).toHaveLength(finals.length);
  }, 60_000);

  it('applies rule changes from the rules topic between batches: new rules fire, deleted ones stop, invalid ones are dead letters', async () => {
    const { log, topics } = await setup(1);
    const records = umTrades.map((trade) => rawRecord(topics.trades, trade));
    const half = Math.floor(records.length / 2);
    const producer = await log.createProducer();
    const firstHalf = await producer.send(records.slice(0, half));
    const { processor, errors, started } = startProcessor(log, topics);
    await started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    const added: AlertRuleInput = {
      id: 'btc-each-minute-above-61500',
      owner: 'carol',
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'greater_than', value: 61_500 },
      frequency: 'once_per_bar',
    };
    await producer.send([
      { topic: topics.alertRules, key: added.id, value: json(added) },
      { topic: topics.alertRules, key: 'btc-61700-down', value: null },
      { topic: topics.alertRules, key: 'broken', value: json({ ...added, id: 'broken', interval: '7x' }) },
    ]);
    await until(() => processor.stats.deadLetters >= 1, 'the invalid rule refused');
    await producer.send(records.slice(half));
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    expect(errors).toEqual([]);

    const alerts = (await readAll(log, topics.alerts, 300)).flat().map((r) => decode<AlertEvent>(r));
    const secondHalfStart = Number(firstHalf.at(-1)?.offset) + 1;
    const offsetOf = (event: AlertEvent) =>
      Number(event.kind === 'fired' ? event.sourcePosition?.offset : -1);
    const newRule = alerts.filter((event) => event.ruleId === added.id);
    // once per 1m bar, at the first trade above 61,500 in each minute of the second half
    const minutesAbove = new Set(
      umTrades
        .slice(half)
        .filter((trade) => Number(trade.price) > 61_500)
        .map((trade) => trade.time - (trade.time % 60_000)),
    );
    expect(newRule.map((event) => event.time - (event.time % 60_000))).toEqual([...minutesAbove]);
    expect(newRule.length).toBeGreaterThanOrEqual(2);
    expect(newRule.every((event) => offsetOf(event) >= secondHalfStart)).toBe(true);
    const removed = alerts.filter((event) => event.ruleId === 'btc-61700-down');
    expect(removed.every((event) => offsetOf(event) < secondHalfStart)).toBe(true);
    const letters = (await readAll(log, topics.deadLetters, 300)).flat().map((r) => decode<DeadLetter>(r));
    expect(letters.map(({ code, key }) => ({ code, key }))).toEqual([
      { code: 'NXR_RULE_INVALID', key: 'broken' },
    ]);
    expect(letters[0]?.reason).toContain('interval');
  }, 120_000);
});

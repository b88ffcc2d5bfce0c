import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { Bar } from '../../../schemas/bar.js';
import type { IndicatorValue } from '../../../schemas/indicator-value.js';
import type { LogRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import type { EngineConfigInput } from '../../engine/engine-config.js';
import { createEmbeddedLog } from '../log/embedded-log.js';
import { createProcessor } from './processor.js';
import {
  caughtUp,
  derivedOf,
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

/*
 * The processor with `engine.bars.allowedLatenessMs` > 0 (refused by its config until the engine took bars
 * in order: pipeline/engine/bar-lateness.test.ts). UM BTCUSDT's trades are in event-time order, so none is
 * late: every output a bar's final update makes is the same as without a lateness.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const withLateness = (allowedLatenessMs: number): EngineConfigInput => ({
  ...UM_ENGINE,
  bars: { ...UM_ENGINE.bars, allowedLatenessMs },
});

const decode = <T>(record: LogRecord): T => JSON.parse(record.value?.toString('utf8') ?? 'null') as T;

async function run(
  log: StreamLog,
  topics: TestTopics,
  groupId: string,
  allowedLatenessMs: number,
  closeAfterRecords = Number.POSITIVE_INFINITY,
) {
  const errors: Error[] = [];
  const processor = createProcessor({
    log,
    topics,
    serdes: jsonSerdes(topics),
    fanout: null,
    config: { groupId, engine: withLateness(allowedLatenessMs), snapshotEveryRecords: 2_000 },
    onError: (error) => errors.push(error),
  });
  cleanups.push(() => processor.close());
  await processor.start();
  if (closeAfterRecords === Number.POSITIVE_INFINITY) await caughtUp(log, groupId, topics.trades, 60_000);
  else while (processor.stats.records < closeAfterRecords) await new Promise((r) => setTimeout(r, 5));
  await processor.close();
  expect(errors).toEqual([]);
  return processor.stats;
}

const values = async <T>(log: StreamLog, topic: string) =>
  (await readAll(log, topic, 300)).flat().map((record) => decode<T>(record));

describe('stream processor with a bar lateness, on the embedded log', () => {
  it('writes every final bar and indicator value of a run without lateness, and restarts from a checkpoint exactly', async () => {
    const log = createEmbeddedLog();
    cleanups.push(() => log.close());
    const topics = testTopics();
    const prompt = derivedOf(topics, 'prompt');
    const late = derivedOf(topics, 'late');
    for (const each of [topics, prompt, late]) await log.admin.createTopics(topicSpecs(each, 1));
    const producer = await log.createProducer();
    await producer.send(
      UM_RULES.map((rule) => ({
        topic: topics.alertRules,
        key: rule.id,
        value: Buffer.from(JSON.stringify(rule)),
      })),
    );
    const trades = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT');
    await producer.send(trades.map((trade) => rawRecord(topics.trades, trade)));
    await producer.close();

    await run(log, prompt, 'prompt', 0);
    await run(log, late, 'late', 500);
    // the same lateness, closed after 8,000 records and restarted from its last checkpoint
    const first = await run(log, topics, 'restarted', 500, 8_000);
    expect(first.records).toBeLessThan(trades.length);
    expect(first.checkpoints).toBeGreaterThan(0);
    const second = await run(log, topics, 'restarted', 500);
    expect(second.records).toBeLessThan(trades.length);

    const promptFinals = await values<Bar>(log, prompt.barsFinal);
    const promptIndicators = await values<IndicatorValue>(log, prompt.indicators);
    // 23:54:16 → 23:59:59.643: every bar but the last of each interval is final, with or without the
    // lateness (the last trade's watermark, 59.143, is past 23:59:58's close)
    expect(promptFinals).toHaveLength(5 + 343);
    expect(await values<Bar>(log, late.barsFinal)).toEqual(promptFinals);
    expect(promptIndicators).toHaveLength(343 - 14);
    expect(await values<IndicatorValue>(log, late.indicators)).toEqual(promptIndicators);
    // the RSI rule on 1s bar closes fires on the same bars (evaluated later: its event ids hold that time)
    const closeFirings = async (topic: string) =>
      (await values<AlertEvent>(log, topic)).flatMap((event) =>
        event.kind === 'fired' && event.ruleId === 'btc-rsi-1s-up' ? [[event.trigger, event.current]] : [],
      );
    expect((await closeFirings(prompt.alerts)).length).toBeGreaterThan(0);
    expect(await closeFirings(late.alerts)).toEqual(await closeFirings(prompt.alerts));

    for (const role of ['bars', 'barsFinal', 'indicators', 'alerts', 'deadLetters'] as const) {
      const images = async (which: TestTopics) =>
        (await readAll(log, which[role], 300)).map((records) => records.map(recordImage));
      expect(await images(topics), role).toEqual(await images(late));
    }
  }, 180_000);
});

import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runBars } from '../../../cli/commands/bars.js';
import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../../schemas/alert-rule.js';
import type { Bar } from '../../../schemas/bar.js';
import type { DeadLetter, SourcePosition } from '../../../schemas/dead-letter.js';
import type { LogRecord, OutgoingRecord, StreamLog } from '../../../schemas/ports/stream-log.js';
import { rawTradeSchema } from '../../../schemas/tick.js';
import type { EngineConfigInput } from '../../engine/engine-config.js';
import { MarketEngine } from '../../engine/market-engine.js';
import { createInProcessFanout } from '../../fanout/in-process-fanout.js';
import { type MalformedTrade, malformedTrade } from '../dlq/malformed-trades.js';
import { createEmbeddedLog } from '../log/embedded-log.js';
import { createProcessor, type Processor } from './processor.js';
import {
  caughtUp,
  jsonSerdes,
  type RawTrade,
  rawRecord,
  readAll,
  readRawTrades,
  type TestTopics,
  testTopics,
  topicSpecs,
  UM_TRADES_FILE,
} from './processor-test-kit.js';

const engine: EngineConfigInput = {
  bars: { intervals: ['1m', '1s'], firstBar: 'keep' },
  indicators: ['rsi(14)'],
};

// Thresholds inside the file's range: BTCUSDT traded 61,5xx–61,8xx in these six minutes.
const rules: AlertRuleInput[] = [
  {
    id: 'btc-61700-down',
    owner: 'alice',
    symbol: 'BTCUSDT',
    interval: '1m',
    source: { kind: 'price' },
    condition: { operator: 'crossing_down', value: 61_700 },
    frequency: 'once_per_bar',
  },
  {
    id: 'btc-rsi-1s-up',
    owner: 'bob',
    symbol: '*',
    interval: '1s',
    source: { kind: 'indicator', spec: 'rsi(14)' },
    condition: { operator: 'crossing_up', value: 70 },
    frequency: 'once_per_bar_close',
  },
];

const umTrades = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT');
const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const decode = <T>(record: LogRecord): T => JSON.parse(record.value?.toString('utf8') ?? 'null') as T;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(partitions: number): Promise<{ log: StreamLog; topics: TestTopics }> {
  const log = createEmbeddedLog();
  const topics = testTopics();
  await log.admin.createTopics(topicSpecs(topics, partitions));
  const producer = await log.createProducer();
  await producer.send(rules.map((rule) => ({ topic: topics.alertRules, key: rule.id, value: json(rule) })));
  cleanups.push(() => log.close());
  return { log, topics };
}

function startProcessor(log: StreamLog, topics: TestTopics, overrides: Record<string, unknown> = {}) {
  const errors: Error[] = [];
  const processor = createProcessor({
    log,
    topics,
    serdes: jsonSerdes(topics),
    fanout: null,
    config: { groupId: `${topics.trades}.group`, engine, ...overrides },
    onError: (error) => errors.push(error),
  });
  cleanups.push(() => processor.close());
  return { processor, errors, started: processor.start() };
}

/** The engine alone over the ticks, driven by the partition clock the processor documents. */
function engineAlone(ticks: readonly { trade: RawTrade; position: SourcePosition }[]): AlertEvent[] {
  const alerts: AlertEvent[] = [];
  const alone = new MarketEngine(
    engine,
    { bar() {}, indicator() {}, alert: (event) => alerts.push(event), late() {} },
    rules,
  );
  let second = Number.NEGATIVE_INFINITY;
  for (const { trade, position } of ticks) {
    alone.add(rawTradeSchema.parse(trade), position);
    const at = trade.time - (trade.time % 1000);
    if (at > second) {
      second = at;
      alone.advanceWatermark(at, position);
    }
  }
  return alerts;
}

async function barsOfFile(): Promise<string[]> {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  await runBars(
    { trades: UM_TRADES_FILE, format: 'binance-trades', interval: ['1m'], venue: 'binance-um' },
    out,
    new PassThrough(),
  );
  return chunks.join('').trim().split('\n').slice(1);
}

const csvOf = (bar: Bar) =>
  [
    bar.openTime,
    bar.open,
    bar.high,
    bar.low,
    bar.close,
    bar.volume,
    bar.quoteVolume,
    bar.trades,
    bar.takerBuyVolume,
  ].join(',');

/** A CSV row of `nexural bars` with its decimals read as numbers, as a Bar's fields hold them. */
const numericRow = (row: string) =>
  row
    .split(',')
    .map((field) => Number(field))
    .join(',');

describe('stream processor on the embedded log', () => {
  it('turns real trades with 1,600 fuzzed bad records into the bars of `nexural bars`, the alerts of the engine alone, and one dead letter per bad record', async () => {
    const { log, topics } = await setup(3);
    const key = 'binance-um:BTCUSDT';
    const good = umTrades.map((trade) => rawRecord(topics.trades, trade));
    const bad = fc.sample(
      malformedTrade(
        key,
        good.map((record) => ({ key: record.key, value: record.value, source: null })),
      ),
      { seed: 20240808, numRuns: 1600 },
    );
    // duplicates come shortly after their original (the window remembers 10,000 ids per symbol)
    const stream: ({ good: RawTrade; record: OutgoingRecord } | { bad: MalformedTrade })[] = good.map(
      (record, index) => ({ good: umTrades[index] as RawTrade, record }),
    );
    const spots = fc.sample(fc.integer({ min: 0, max: 2 ** 30 }), { seed: 7, numRuns: bad.length });
    bad.forEach((entry, index) => {
      const spot = spots[index] ?? 0;
      const at =
        entry.duplicateOf === undefined
          ? spot % (stream.length + 1)
          : stream.findIndex((item) => 'good' in item && item.record === good[entry.duplicateOf ?? 0]) +
            1 +
            (spot % 300);
      stream.splice(at, 0, { bad: entry });
    });
    const producer = await log.createProducer();
    const positions = await producer.send(
      stream.map((item) =>
        'good' in item
          ? item.record
          : { topic: topics.trades, key: item.bad.input.key, value: item.bad.input.value },
      ),
    );
    const { errors, started } = startProcessor(log, topics);
    await started;
    await caughtUp(log, `${topics.trades}.group`, topics.trades, 60_000);
    expect(errors).toEqual([]);

    const finals = (await readAll(log, topics.barsFinal, 300)).flat().map((record) => decode<Bar>(record));
    const expectedRows = await barsOfFile();
    // the last minute is still open: a stream is never flushed, its bar finalises when 00:00 trades arrive
    expect(finals.filter((bar) => bar.interval === '1m').map(csvOf)).toEqual(
      expectedRows.slice(0, -1).map(numericRow),
    );
    expect(expectedRows).toHaveLength(6);

    const ticks = stream.flatMap((item, index) => {
      const position = positions[index];
      return 'good' in item && position ? [{ trade: item.good, position }] : [];
    });
    const alerts = (await readAll(log, topics.alerts, 300))
      .flat()
      .map((record) => decode<AlertEvent>(record));
    const expectedAlerts = engineAlone(ticks);
    expect(alerts).toEqual(expectedAlerts);
    expect(alerts.filter((event) => event.ruleId === 'btc-61700-down').length).toBeGreaterThan(0);
    expect(alerts.filter((event) => event.ruleId === 'btc-rsi-1s-up').length).toBeGreaterThan(0);

    const letters = (await readAll(log, topics.deadLetters, 300)).flat().map((r) => decode<DeadLetter>(r));
    const expectedCodes = new Map(
      stream.flatMap((item, index) => {
        const position = positions[index];
        return 'bad' in item && position ? [[`${position.partition}:${position.offset}`, item.bad.code]] : [];
      }),
    );
    expect(letters).toHaveLength(bad.length);
    for (const letter of letters) {
      expect(letter.code).toBe(expectedCodes.get(`${letter.source?.partition}:${letter.source?.offset}`));
    }
  }, 120_000);
});

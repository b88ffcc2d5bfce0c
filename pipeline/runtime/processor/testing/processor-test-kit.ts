import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { alertEventSchema } from '../../../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../../../schemas/alert-rule.js';
import { barSchema } from '../../../../schemas/bar.js';
import { deadLetterSchema } from '../../../../schemas/dead-letter.js';
import { indicatorValueSchema } from '../../../../schemas/indicator-value.js';
import type {
  LogRecord,
  OutgoingRecord,
  StreamLog,
  TopicSpec,
} from '../../../../schemas/ports/stream-log.js';
import type { EngineConfigInput } from '../../../engine/engine-config.js';
import { createJsonSerde } from '../../serdes/record-serde.js';
import type { DerivedSerdes } from '../encode-outputs.js';
import type { ProcessorTopics } from '../processor.js';

/** Real Binance USDⓈ-M BTCUSDT trades, 2024-08-08 23:54:16 → 23:59:59 UTC (../shared/data/README.md). */
export const UM_TRADES_FILE = fileURLToPath(
  new URL(
    '../../../../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
    import.meta.url,
  ),
);

/** The engine the UM trades' processor tests run: 1m and 1s bars, the first bar kept, RSI(14). */
export const UM_ENGINE: EngineConfigInput = {
  bars: { intervals: ['1m', '1s'], firstBar: 'keep' },
  indicators: ['rsi(14)'],
};

/** Two rules that fire on UM_TRADES_FILE: BTCUSDT traded 61,5xx–61,8xx in these six minutes. */
export const UM_RULES: readonly AlertRuleInput[] = [
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

/** Binance spot trades, 2024-08-08 23:54:15 → 2024-08-09 00:05:05 UTC, same origin. */
export const SPOT_TRADES_FILES = ['BTCUSDT', 'ETHUSDT'].map((symbol) => ({
  symbol,
  file: fileURLToPath(
    new URL(
      `../../../../../shared/data/binance_spot_${symbol}_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv`,
      import.meta.url,
    ),
  ),
}));

export interface RawTrade {
  readonly venue: string;
  readonly symbol: string;
  readonly tradeId: string;
  readonly time: number;
  readonly price: string;
  readonly size: string;
  readonly side: 'buy' | 'sell';
}

/** A Binance trades CSV as raw-topic trades, decimals kept as the exchange wrote them. */
export function readRawTrades(file: string, venue: string, symbol: string): RawTrade[] {
  const rows: {
    trade_id: string;
    price: string;
    qty: string;
    transact_time: string;
    is_buyer_maker: string;
  }[] = parse(readFileSync(file), { columns: true });
  return rows.map((row) => ({
    venue,
    symbol,
    tradeId: row.trade_id,
    time: Number(row.transact_time),
    price: row.price,
    size: row.qty,
    side: row.is_buyer_maker === 'false' ? 'buy' : 'sell',
  }));
}

/** Shifts event times by whole days (bars keep their alignment) and ids past the originals, per round. */
export function shifted(trades: readonly RawTrade[], days: number, idOffset = 0n): RawTrade[] {
  const shiftMs = days * 86_400_000;
  return trades.map((trade) => ({
    ...trade,
    time: trade.time + shiftMs,
    tradeId: idOffset === 0n ? trade.tradeId : String(BigInt(trade.tradeId) + idOffset),
  }));
}

export const rawRecord = (topic: string, trade: RawTrade): OutgoingRecord => ({
  topic,
  key: `${trade.venue}:${trade.symbol}`,
  value: Buffer.from(JSON.stringify(trade), 'utf8'),
});

/** Unique topic names for one test run (they never meet the live ones or another run's). */
export function testTopics(run = randomUUID().slice(0, 8)): ProcessorTopics & {
  readonly bars: string;
  readonly barsFinal: string;
  readonly indicators: string;
  readonly alerts: string;
  readonly deadLetters: string;
} {
  const base = `test.processor.${run}`;
  return {
    trades: `${base}.trades`,
    alertRules: `${base}.rules`,
    processorState: `${base}.state`,
    bars: `${base}.bars`,
    barsFinal: `${base}.bars-final`,
    indicators: `${base}.indicators`,
    alerts: `${base}.alerts`,
    deadLetters: `${base}.dlq`,
  };
}

export type TestTopics = ReturnType<typeof testTopics>;

/** Derived topics of a second, independent run over the same raw and rules topics. */
export const derivedOf = (topics: TestTopics, suffix: string): TestTopics => ({
  ...topics,
  processorState: `${topics.processorState}.${suffix}`,
  bars: `${topics.bars}.${suffix}`,
  barsFinal: `${topics.barsFinal}.${suffix}`,
  indicators: `${topics.indicators}.${suffix}`,
  alerts: `${topics.alerts}.${suffix}`,
  deadLetters: `${topics.deadLetters}.${suffix}`,
});

export function topicSpecs(topics: TestTopics, partitions: number): TopicSpec[] {
  return Object.entries(topics).map(([role, name]) => ({
    name,
    partitions: role === 'alertRules' ? 1 : partitions,
    compacted: role === 'alertRules' || role === 'processorState',
  }));
}

export function jsonSerdes(topics: TestTopics): DerivedSerdes {
  return {
    bars: createJsonSerde(topics.bars, barSchema),
    barsFinal: createJsonSerde(topics.barsFinal, barSchema),
    indicators: createJsonSerde(topics.indicators, indicatorValueSchema),
    alerts: createJsonSerde(topics.alerts, alertEventSchema),
    deadLetters: createJsonSerde(topics.deadLetters, deadLetterSchema),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `groupId` has committed the end of every partition of `topic`. */
export async function caughtUp(log: StreamLog, groupId: string, topic: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // kafkajs's offset lookup fails now and then on a busy broker (an empty response): ask again
    const answer = await Promise.all([
      log.admin.partitionRanges(topic),
      log.admin.committedOffsets(groupId, topic),
    ]).catch(() => null);
    const [ends, committed] = answer ?? [[], []];
    const done =
      answer !== null &&
      ends.every(
        ({ partition, low, high }) =>
          high === low || committed.find((entry) => entry.partition === partition)?.offset === high,
      );
    if (done) return;
    if (Date.now() > deadline) {
      throw new Error(`group ${groupId} did not reach the end of ${topic} in ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}

/**
 * Every committed record of `topic` (read_committed), per partition in offset order: reads with a fresh
 * group until nothing new came for `quietMs` after it was assigned the partitions and every partition that
 * held records delivered its first batch (a cold broker's first fetch can take longer than `quietMs`). A
 * partition whose records are all aborted delivers nothing: after `firstBatchWaitMs` it no longer holds
 * the read open.
 */
export async function readAll(
  log: StreamLog,
  topic: string,
  quietMs = 1000,
  firstBatchWaitMs = 15_000,
): Promise<LogRecord[][]> {
  const ranges = await log.admin.partitionRanges(topic);
  const byPartition: LogRecord[][] = ranges.map(() => []);
  const awaitingFirstBatch = new Set(
    ranges.filter(({ low, high }) => low !== high).map(({ partition }) => partition),
  );
  let lastArrival = Number.POSITIVE_INFINITY;
  let assignedAt = Number.POSITIVE_INFINITY;
  const groupId = `test.read.${randomUUID().slice(0, 8)}`;
  const consumer = await log.consume({
    groupId,
    topics: [topic],
    commit: 'manual',
    start: 'earliest',
    handler: async (batch) => {
      byPartition[batch.partition]?.push(...batch.records);
      awaitingFirstBatch.delete(batch.partition);
      lastArrival = Date.now();
    },
    // the quiet period counts from the assignment: joining a Kafka group takes a while
    onAssigned: () => {
      lastArrival = Date.now();
      assignedAt = lastArrival;
    },
  });
  const settled = () => awaitingFirstBatch.size === 0 || Date.now() - assignedAt > firstBatchWaitMs;
  while (!settled() || Date.now() - lastArrival < quietMs) await sleep(50);
  await consumer.close();
  await log.admin.deleteGroups([groupId]).catch(() => {});
  return byPartition;
}

/** A record as compared between runs: what downstream sees (offsets differ: aborted transactions take some). */
export const recordImage = (record: LogRecord): string =>
  `${record.key}|${record.timestamp}|${record.value?.toString('base64') ?? '∅'}`;

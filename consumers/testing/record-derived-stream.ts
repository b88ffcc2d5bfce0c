/**
 * Records the derived stream the consumer contract replays: the real Binance spot BTCUSDT and ETHUSDT trades of
 * 2024-08-08 23:54:15 → 2024-08-09 00:05:05 UTC (/work/shared/data, see its README) run once through the
 * processor on the embedded log with the demo's alert rules; the final bars (1s, 1m), the indicator values
 * (sma(5), rsi(14)) and the alert events are written as JSON lines to fixtures/derived-stream.jsonl, in offset
 * order per partition (the trades themselves are read from ../shared/data by recorded-stream.ts).
 * Run: node --import tsx consumers/testing/record-derived-stream.ts
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { createProcessor } from '../../pipeline/runtime/processor/processor.js';
import {
  caughtUp,
  jsonSerdes,
  rawRecord,
  readAll,
  readRawTrades,
  SPOT_TRADES_FILES,
  testTopics,
  topicSpecs,
} from '../../pipeline/runtime/processor/testing/processor-test-kit.js';
import { demoRules } from '../../pipeline/runtime/wiring/demo-producer.js';
import type { TradeTick } from '../../schemas/tick.js';
import type { RecordedRecord } from './recorded-stream.js';

const partitions = 2;
const log = createEmbeddedLog();
const topics = testTopics('record');
await log.admin.createTopics(topicSpecs(topics, partitions));
const trades = SPOT_TRADES_FILES.flatMap(({ file, symbol }) => readRawTrades(file, 'binance', symbol)).sort(
  (left, right) => left.time - right.time,
);
const producer = await log.createProducer();
const ticks = trades.map(
  (trade): TradeTick => ({
    kind: 'trade',
    venue: trade.venue,
    symbol: trade.symbol,
    tradeId: trade.tradeId,
    timeUs: trade.time * 1000,
    price: Number(trade.price),
    size: Number(trade.size),
    aggressor: trade.side,
  }),
);
const rules = demoRules(ticks).map((rule) => ({ ...rule, owner: 'contract' }));
await producer.send(
  rules.map((rule) => ({ topic: topics.alertRules, key: rule.id, value: Buffer.from(JSON.stringify(rule)) })),
);
await producer.send(trades.map((trade) => rawRecord(topics.trades, trade)));
const processor = createProcessor({
  log,
  topics,
  serdes: jsonSerdes(topics),
  fanout: null,
  config: {
    groupId: 'record',
    engine: { bars: { intervals: ['1s', '1m'] }, indicators: ['sma(5)', 'rsi(14)'] },
  },
  onError: (error) => {
    throw error;
  },
});
await processor.start();
await caughtUp(log, 'record', topics.trades, 120_000);
await processor.close();
const lines: string[] = [];
for (const [role, topic] of [
  ['barsFinal', topics.barsFinal],
  ['alerts', topics.alerts],
  ['indicators', topics.indicators],
] as const) {
  for (const records of await readAll(log, topic, 300)) {
    for (const record of records) {
      const line: RecordedRecord = {
        input: role,
        partition: record.partition,
        key: record.key,
        timestamp: record.timestamp,
        value: record.value?.toString('utf8') ?? '',
      };
      lines.push(JSON.stringify(line));
    }
  }
}
await log.close();
const target = fileURLToPath(new URL('./fixtures/derived-stream.jsonl', import.meta.url));
await writeFile(target, `${lines.join('\n')}\n`);
process.stdout.write(`${trades.length} trades → ${lines.length} derived records → ${target}\n`);

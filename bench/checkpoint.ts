/**
 * npm run bench:checkpoint — what one partition checkpoint costs in bench:kafka's latency setup (issue 17):
 * the bench's engine (1m/5m/1h bars, 6 indicators), its 1,000 probe rules (10 s × 100/s, each partition's
 * engine holds all of them), 10k ticks/s over 8 symbols + 10 probe symbols in 6 partitions, each partition
 * fed `--seconds` of its share. Per partition: checkpoint bytes, the share of each part (v8-serialised on its
 * own), and the ms of capture (PartitionTask.checkpoint) and encode (chunked records): version 1 (the rule
 * definitions inside every checkpoint) against version 2 (a rule set record written when the rules change;
 * periodic checkpoints refer to it). Printed, never asserted.
 *
 * With --kafka, each partition's checkpoint records also go through a transaction on the broker (a scratch
 * compacted topic, KAFKA_BROKERS or the stack's): wall ms and event-loop busy ms per transaction, v1 vs v2.
 *
 *   npm run bench:checkpoint -- [--seconds 10] [--rate 10000] [--rules 1000] [--partitions 6] [--repeat 5] [--kafka]
 *                               [--trade-ids venue|suffixed]  (as bench:kafka's: bench/kafka-ticks.ts)
 */
import { parseArgs } from 'node:util';
import { serialize } from 'node:v8';
import { attachRules } from '../pipeline/engine/detached-rules.js';
import { createKafkaLog } from '../pipeline/runtime/log/kafka-log.js';
import { partitionForKey } from '../pipeline/runtime/log/murmur2.js';
import { checkpointRecords, inSends } from '../pipeline/runtime/processor/checkpoint-chunks.js';
import { marketEngineCheckpoints } from '../pipeline/runtime/processor/engine-checkpoints.js';
import { PartitionTask } from '../pipeline/runtime/processor/partition-task.js';
import { readRawTrades, UM_TRADES_FILE } from '../pipeline/runtime/processor/testing/processor-test-kit.js';
import type { AlertRuleInput } from '../schemas/alert-rule.js';
import type { LogRecord, OutgoingRecord } from '../schemas/ports/stream-log.js';
import { printTable } from './bench-table.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10000' },
    rules: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '6' },
    repeat: { type: 'string', default: '5' },
    kafka: { type: 'boolean', default: false },
    'trade-ids': { type: 'string', default: 'venue' },
  },
});
if (values['trade-ids'] !== 'venue' && values['trade-ids'] !== 'suffixed') {
  throw new Error(
    `--trade-ids ${values['trade-ids']}: venue (each symbol's ids count up by one) or suffixed`,
  );
}
const suffixedIds = values['trade-ids'] === 'suffixed';
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const ruleCount = Number(values.rules);
const partitions = Number(values.partitions);
const repeat = Number(values.repeat);
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'BNBUSDT', 'DOGEUSDT', 'ADAUSDT', 'AVAXUSDT'];
const ENGINE = {
  bars: { intervals: ['1m', '5m', '1h'], firstBar: 'keep' as const },
  indicators: ['sma(20)', 'ema(50)', 'rsi(14)', 'macd(12,26,9)', 'bbands(20,2)', 'atr(14)'],
  liveBarThrottleMs: 1000,
};
const trades = readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT');
const probeSymbols = Array.from({ length: 10 }, (_, k) => `PROBE${k}`);
const rules: AlertRuleInput[] = Array.from({ length: ruleCount }, (_, n) => ({
  id: `probe-run-${n}`,
  owner: 'bench-run',
  symbol: probeSymbols[n % 10] ?? 'PROBE0',
  interval: '1m',
  source: { kind: 'price' },
  condition: { operator: 'greater_than', value: Math.floor(n / 10) },
  frequency: 'once',
}));

/** The bench's records: ticks round-robin over 8 symbols, a probe every 10 ms (10 per probe symbol per s). */
function records(): Map<number, LogRecord[]> {
  const byPartition = new Map<number, LogRecord[]>();
  const push = (key: string, value: object, timestamp: number) => {
    const partition = partitionForKey(key, partitions);
    const list = byPartition.get(partition) ?? [];
    byPartition.set(partition, list);
    list.push({
      topic: 'raw',
      partition,
      offset: String(list.length),
      key,
      value: Buffer.from(JSON.stringify(value)),
      timestamp,
      headers: {},
    });
  };
  const total = rate * seconds;
  const first = trades[0]?.time ?? 0;
  let probe = 0;
  for (let i = 0; i < total; i++) {
    const trade = trades[i % trades.length];
    if (!trade) continue;
    const symbol = SYMBOLS[i % SYMBOLS.length] ?? 'BTCUSDT';
    const time = first + Math.floor((i * 1000) / rate);
    const tradeId = suffixedIds ? `${trade.tradeId}-${i}` : String(1 + Math.floor(i / SYMBOLS.length));
    const tick = { ...trade, symbol, tradeId, time };
    push(`binance-um:${symbol}`, tick, time + 1000);
    while (probe < Math.min(ruleCount, Math.floor((i * 100) / rate))) {
      const probeSymbol = probeSymbols[probe % 10] ?? 'PROBE0';
      const price = String(Math.floor(probe / 10) + 1);
      const value = { ...tick, symbol: probeSymbol, tradeId: `probe-${probe}`, price };
      push(`binance-um:${probeSymbol}`, value, time + 1000);
      probe++;
    }
  }
  return byPartition;
}

const bytesOf = (value: unknown) => serialize(value).length;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;

function timed<T>(run: () => T): { result: T; ms: number } {
  let result = run();
  const started = performance.now();
  for (let i = 0; i < repeat; i++) result = run();
  return { result, ms: (performance.now() - started) / repeat };
}

const rows: Record<string, string | number>[] = [];
/** per partition: the records of a version-1 checkpoint and of a version-2 periodic one, for --kafka */
const sends: { partition: number; v1: OutgoingRecord[]; v2: OutgoingRecord[] }[] = [];
for (const [partition, list] of [...records()].sort(([a], [b]) => a - b)) {
  const task = PartitionTask.create({
    source: { topic: 'raw', partition },
    engine: ENGINE,
    checkpoints: marketEngineCheckpoints,
    duplicatesPerSymbol: 10_000,
  });
  task.syncRules(new Map(rules.map((rule) => [String(rule.id), rule])));
  task.process(list);
  task.take();
  const capture = timed(() => task.checkpoint(String(list.length)));
  const checkpoint = capture.result;
  if (checkpoint === null || checkpoint.rules === null) throw new Error('no checkpoint');
  // before (version 1): the rule definitions inside the engine snapshot of every checkpoint
  const full = { ...checkpoint, engine: attachRules(checkpoint.engine, checkpoint.rules), rules: null };
  const before = timed(() => checkpointRecords('state', full, 0));
  // after (version 2): the first checkpoint writes the rule set, periodic ones with the same rules refer to it
  const first = checkpointRecords('state', checkpoint, 0);
  const periodic = timed(() => checkpointRecords('state', checkpoint, 0, first.ruleSet));
  const bytes = (records: readonly OutgoingRecord[]) =>
    records.reduce((sum, record) => sum + (record.value?.length ?? 0), 0);
  const total = bytes(before.result.records);
  sends.push({ partition, v1: before.result.records, v2: periodic.result.records });
  const engine = full.engine as {
    alerts: { rules: { rule: { id: string } }[]; series: unknown };
    series: unknown;
    bars: unknown;
  };
  const ruleStates = bytesOf(engine.alerts.rules.map((saved) => ({ ...saved, rule: saved.rule.id })));
  const ruleBytes = bytesOf(engine.alerts.rules) - ruleStates;
  rows.push({
    partition,
    records: list.length,
    'v1 checkpoint': kib(total),
    'rule definitions': share(ruleBytes, total),
    'rule firing states': share(ruleStates, total),
    'alert series': share(bytesOf(engine.alerts.series), total),
    'engine series (indicators)': share(bytesOf(engine.series), total),
    bars: share(bytesOf(engine.bars), total),
    'duplicate ids': share(bytesOf(checkpoint.duplicates), total),
    'v2 periodic': kib(bytes(periodic.result.records)),
    'v2 rule set': kib(bytes(first.records) - bytes(periodic.result.records)),
    'capture ms': capture.ms.toFixed(2),
    'v1 serialise ms': before.ms.toFixed(2),
    'v2 periodic serialise ms': periodic.ms.toFixed(2),
  });
}
printTable(
  `one checkpoint per partition after ${seconds} s at ${rate.toLocaleString('en')} ticks/s, ${ruleCount} rules (mean of ${repeat})`,
  rows,
);

if (values.kafka) {
  const log = createKafkaLog({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:39092').split(',') });
  const topic = `bench.checkpoint-${process.pid}.state`;
  await log.admin.createTopics([{ name: topic, partitions, compacted: true }]);
  const kafkaRows: Record<string, string | number>[] = [];
  for (const { partition, v1, v2 } of sends) {
    const producer = await log.createTransactionalProducer(`${topic}.${partition}`);
    const row: Record<string, string | number> = { partition };
    for (const [name, records] of [
      ['v1', v1],
      ['v2', v2],
    ] as const) {
      let wall = 0;
      let busy = 0;
      for (let i = 0; i <= repeat; i++) {
        const elu = performance.eventLoopUtilization();
        const started = performance.now();
        const transaction = await producer.transaction();
        for (const send of inSends(
          records.map((record) => ({ ...record, topic })),
          512 * 1024,
        )) {
          await transaction.send(send);
        }
        await transaction.commit();
        // the first transaction of each kind warms the connection up: not counted
        if (i === 0) continue;
        wall += performance.now() - started;
        busy += performance.eventLoopUtilization(elu).active;
      }
      row[`${name} txn ms`] = (wall / repeat).toFixed(1);
      row[`${name} event loop ms`] = (busy / repeat).toFixed(1);
    }
    await producer.close();
    kafkaRows.push(row);
  }
  await log.admin.deleteTopics([topic]);
  await log.close();
  printTable(`one transaction of a checkpoint's records on the broker (mean of ${repeat})`, kafkaRows);
}

import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { expect } from 'vitest';
import { runBars } from '../../../../cli/commands/bars.js';
import type { AlertEvent } from '../../../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../../../schemas/alert-rule.js';
import type { Bar } from '../../../../schemas/bar.js';
import type { DeadLetter } from '../../../../schemas/dead-letter.js';
import type { OutgoingRecord, PartitionOffset } from '../../../../schemas/ports/stream-log.js';
import { rawTradeSchema } from '../../../../schemas/tick.js';
import type { EngineConfigInput } from '../../../engine/engine-config.js';
import { MarketEngine } from '../../../engine/market-engine.js';
import { type MalformedTrade, malformedTrade } from '../../dlq/testing/malformed-trades.js';
import { type RawTrade, rawRecord, readRawTrades, shifted, UM_TRADES_FILE } from './processor-test-kit.js';

export const scenarioEngine: EngineConfigInput = {
  bars: { intervals: ['1m', '1s'], firstBar: 'keep' },
  indicators: ['rsi(14)'],
};

/** What the derived topics held after the run, decoded. */
export interface ScenarioOutputs {
  readonly finals: readonly Bar[];
  readonly alerts: readonly AlertEvent[];
  readonly deadLetters: readonly DeadLetter[];
}

/**
 * The end-to-end case both adapters run: the real BTCUSDT USDⓈ-M trades (shifted by whole days so
 * brokers that expire old timestamps keep them) with 1,600 fuzzed bad records of 22 kinds mixed in,
 * and two alert rules. `verify` checks the processor's outputs against `nexural bars` on the same file,
 * the engine alone, and the bad records.
 */
export function endToEndScenario(topic: string, shiftDays: number, runId: string) {
  const shiftMs = shiftDays * 86_400_000;
  const trades = shifted(readRawTrades(UM_TRADES_FILE, 'binance-um', 'BTCUSDT'), shiftDays);
  // Thresholds inside the file's range: BTCUSDT traded 61,5xx–61,8xx in these six minutes.
  const rules: AlertRuleInput[] = [
    {
      id: `btc-61700-down-${runId}`,
      owner: `alice-${runId}`,
      symbol: 'BTCUSDT',
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'crossing_down', value: 61_700 },
      frequency: 'once_per_bar',
    },
    {
      id: `rsi-1s-up-${runId}`,
      owner: `alice-${runId}`,
      symbol: '*',
      interval: '1s',
      source: { kind: 'indicator', spec: 'rsi(14)' },
      condition: { operator: 'crossing_up', value: 70 },
      frequency: 'once_per_bar_close',
    },
  ];
  const good = trades.map((trade) => rawRecord(topic, trade));
  const bad = fc.sample(
    malformedTrade(
      'binance-um:BTCUSDT',
      good.map((record) => ({ key: record.key, value: record.value, source: null })),
    ),
    { seed: 20240808, numRuns: 1600 },
  );
  type Item = { readonly good: RawTrade; readonly record: OutgoingRecord } | { readonly bad: MalformedTrade };
  const stream: Item[] = good.map((record, index) => ({ good: trades[index] as RawTrade, record }));
  const spots = fc.sample(fc.integer({ min: 0, max: 2 ** 30 }), { seed: 7, numRuns: bad.length });
  bad.forEach((entry, index) => {
    const spot = spots[index] ?? 0;
    // a duplicate comes shortly after its original (the window remembers 10,000 ids per symbol)
    const at =
      entry.duplicateOf === undefined
        ? spot % (stream.length + 1)
        : stream.findIndex((item) => 'good' in item && item.record === good[entry.duplicateOf ?? 0]) +
          1 +
          (spot % 300);
    stream.splice(at, 0, { bad: entry });
  });
  const records = stream.map((item) =>
    'good' in item ? item.record : { topic, key: item.bad.input.key, value: item.bad.input.value },
  );

  /** The engine alone over the good ticks, driven by the partition clock the processor documents. */
  const engineAlone = (positions: readonly PartitionOffset[]): AlertEvent[] => {
    const alerts: AlertEvent[] = [];
    const output = { bar() {}, indicator() {}, alert: (event: AlertEvent) => alerts.push(event), late() {} };
    const alone = new MarketEngine(scenarioEngine, output, rules);
    let second = Number.NEGATIVE_INFINITY;
    stream.forEach((item, index) => {
      const position = positions[index];
      if (!('good' in item) || position === undefined) return;
      const { topic: from, partition, offset } = position;
      alone.add(rawTradeSchema.parse(item.good), { topic: from, partition, offset });
      const at = item.good.time - (item.good.time % 1000);
      if (at > second) {
        second = at;
        alone.advanceWatermark(at, { topic: from, partition, offset });
      }
    });
    return alerts;
  };

  const verify = async (positions: readonly PartitionOffset[], outputs: ScenarioOutputs) => {
    const expectedRows = await barsOfFile();
    expect(expectedRows).toHaveLength(6);
    // the last minute is still open: a stream is never flushed, its bar finalises when 00:00 trades arrive
    const finals = outputs.finals.filter((bar) => bar.interval === '1m');
    expect(finals.map((bar) => csvOf(bar, shiftMs))).toEqual(expectedRows.slice(0, -1).map(numericRow));

    const expectedAlerts = engineAlone(positions);
    expect(outputs.alerts).toEqual(expectedAlerts);
    for (const rule of rules) {
      expect(outputs.alerts.filter((event) => event.ruleId === rule.id).length, rule.id).toBeGreaterThan(0);
    }

    const expectedCodes = new Map(
      stream.flatMap((item, index) => {
        const position = positions[index];
        return 'bad' in item && position ? [[`${position.partition}:${position.offset}`, item.bad.code]] : [];
      }),
    );
    expect(outputs.deadLetters).toHaveLength(bad.length);
    for (const letter of outputs.deadLetters) {
      expect(letter.code).toBe(expectedCodes.get(`${letter.source?.partition}:${letter.source?.offset}`));
    }
    expect(new Set(bad.map((entry) => entry.kind)).size).toBe(22);
  };

  return { rules, records, badCount: bad.length, verify };
}

async function barsOfFile(): Promise<string[]> {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  await runBars(
    {
      trades: UM_TRADES_FILE,
      format: 'binance-trades',
      interval: ['1m'],
      venue: 'binance-um',
      firstBar: 'keep', // as the scenario's engine config
    },
    out,
    new PassThrough(),
  );
  return chunks.join('').trim().split('\n').slice(1);
}

/** A bar as a `nexural bars` row, its open time moved back by the scenario's shift. */
const csvOf = (bar: Bar, shiftMs: number) =>
  [
    bar.openTime - shiftMs,
    bar.open,
    bar.high,
    bar.low,
    bar.close,
    bar.volume,
    bar.quoteVolume,
    bar.trades,
    bar.takerBuyVolume,
    bar.jumpedFrom === undefined ? '' : bar.jumpedFrom - shiftMs,
  ].join(',');

/** A CSV row of `nexural bars` with its decimals read as numbers, as a Bar's fields hold them. */
const numericRow = (row: string) =>
  row
    .split(',')
    .map((field) => (field === '' ? '' : Number(field)))
    .join(',');

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  readRawTrades,
  SPOT_TRADES_FILES,
} from '../../pipeline/runtime/processor/testing/processor-test-kit.js';

/** One record of the recorded stream the consumer contract replays. */
export interface RecordedRecord {
  readonly input: 'barsFinal' | 'alerts' | 'indicators' | 'trades';
  readonly partition: number;
  readonly key: string | null;
  readonly timestamp: number;
  /** the record's JSON value as text */
  readonly value: string;
}

export const RECORDED_STREAM_FILE = fileURLToPath(
  new URL('./fixtures/derived-stream.jsonl', import.meta.url),
);

/**
 * The real Binance spot BTCUSDT + ETHUSDT trades of the recording (raw, as the raw trades topic carries them)
 * and what the processor derived from them: final bars, indicator values and alert events
 * (fixtures/derived-stream.jsonl, see record-derived-stream.ts). The trades are read from ../shared/data rather
 * than kept in the fixture (34,419 of them); each goes to the partition its symbol's bars are in.
 */
export function readRecordedStream(): RecordedRecord[] {
  const derived = readFileSync(RECORDED_STREAM_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RecordedRecord);
  const partitionOf = new Map(derived.map((record) => [record.key, record.partition]));
  const trades = SPOT_TRADES_FILES.flatMap(({ file, symbol }) => readRawTrades(file, 'binance', symbol))
    .sort((left, right) => left.time - right.time)
    .map((trade): RecordedRecord => {
      const key = `${trade.venue}:${trade.symbol}`;
      return {
        input: 'trades',
        partition: partitionOf.get(key) ?? 0,
        key,
        timestamp: trade.time,
        value: JSON.stringify(trade),
      };
    });
  return [...derived, ...trades];
}

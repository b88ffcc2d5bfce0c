import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One record of the recorded derived stream (fixtures/derived-stream.jsonl, made by record-derived-stream.ts). */
export interface RecordedRecord {
  readonly input: 'barsFinal' | 'alerts';
  readonly partition: number;
  readonly key: string | null;
  readonly timestamp: number;
  /** the record's JSON value as text */
  readonly value: string;
}

export const RECORDED_STREAM_FILE = fileURLToPath(
  new URL('./fixtures/derived-stream.jsonl', import.meta.url),
);

/** The final bars and alert events of real Binance spot BTCUSDT + ETHUSDT trades (see record-derived-stream.ts). */
export function readRecordedStream(): RecordedRecord[] {
  return readFileSync(RECORDED_STREAM_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RecordedRecord);
}

import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../../schemas/ports/stream-log.js';
import { BatchInput } from './batch-input.js';
import { OutputCollector } from './output-collector.js';

const record = (offset: number): LogRecord => ({
  topic: 'raw',
  partition: 2,
  offset: String(offset),
  key: 'binance:BTCUSDT',
  value: Buffer.from('{}'),
  timestamp: 1_700_000_000_000,
  headers: {},
});

describe('OutputCollector', () => {
  it("cites the cause's offset after its input is let go of, until the next cause", () => {
    const collector = new OutputCollector({ topic: 'raw', partition: 2 });
    const input = BatchInput.ofRecords([record(40), record(41), record(42)]);
    collector.cause(1_700_000_000_000, input, 1);
    expect(collector.causePosition.offset).toBe('41');
    collector.releaseInput();
    expect(collector.causePosition.offset).toBe('41');
    collector.cause(1_700_000_001_000, null, 0);
    expect(collector.causePosition.offset).toBe('');
    collector.releaseInput();
    expect(collector.causePosition.offset).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { KafkaColumns, KeyStrings } from './kafka-columns.js';

describe('KeyStrings', () => {
  it('gives every key the string its bytes decode to, past its room, for long and non-ASCII keys too', () => {
    const keys = new KeyStrings();
    const names = [
      ...Array.from({ length: 3000 }, (_, n) => `binance-um:SYM${n}USDT`),
      'binance-um:BTCUSDT',
      'binance-um:BTCUSDU',
      'binance-um:BTCUSD',
      'kraken:ÄÖÜ€',
      `long:${'x'.repeat(100)}`,
      '',
    ];
    // each key three times, interleaved: hits, misses and slots taken over
    const seen = [...names, ...names.slice().reverse(), ...names].map((name) => keys.of(Buffer.from(name)));
    expect(seen).toEqual([...names, ...names.slice().reverse(), ...names]);
  });

  it('keeps its own copy of a key: the record bytes it was read from may be reused', () => {
    const keys = new KeyStrings();
    const bytes = Buffer.from('binance-um:ETHUSDT');
    expect(keys.of(bytes)).toBe('binance-um:ETHUSDT');
    bytes.write('binance-um:XRPUSDT');
    expect(keys.of(bytes)).toBe('binance-um:XRPUSDT');
  });
});

describe('KafkaColumns', () => {
  it("reads kafkajs's messages as the port's columns", () => {
    const message = (offset: string, key: string | null, value: string | null, timestamp: string) => ({
      offset,
      key: key === null ? null : Buffer.from(key),
      value: value === null ? null : Buffer.from(value),
      timestamp,
      attributes: 0,
      headers: {},
    });
    const columns = new KafkaColumns(
      [message('41', 'a:b', '{"x":1}', '1733600000123'), message('42', null, null, '1733600000124')],
      new KeyStrings(),
    );
    const read = (index: number) => {
      const bytes = columns.valueBytes(index);
      return [
        columns.offset(index),
        columns.key(index),
        columns.timestamp(index),
        bytes?.subarray(columns.valueStart(index), columns.valueEnd(index)).toString() ?? null,
      ];
    };
    expect(columns.length).toBe(2);
    expect([read(0), read(1)]).toEqual([
      [41, 'a:b', 1733600000123, '{"x":1}'],
      [42, null, 1733600000124, null],
    ]);
  });
});

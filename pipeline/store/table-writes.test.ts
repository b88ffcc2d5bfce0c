import { describe, expect, it } from 'vitest';
import type { Bar } from '../../schemas/bar.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import { binanceKlines, binanceTrades } from './market-data-fixtures.js';
import { copyChunks, unnestSource } from './staging.js';
import {
  barWrite,
  dedupeRows,
  indicatorValueWrite,
  msText,
  symbolsOf,
  tradeWrite,
  usText,
} from './table-writes.js';

const bar = binanceKlines()[0] as Bar;
const revision = (number: number, final = false): Bar => ({ ...bar, revision: number, final });

describe('timestamp text', () => {
  it('writes µs and ms times exactly, across second boundaries', () => {
    // The first trade of the Binance UM file, 2024-08-08 23:54:16.322, with 123 µs added.
    expect(usText(1_723_161_256_322_123)).toBe('2024-08-08T23:54:16.322123Z');
    expect(usText(1_723_161_257_000_001)).toBe('2024-08-08T23:54:17.000001Z');
    expect(usText(1_723_161_256_999_999)).toBe('2024-08-08T23:54:16.999999Z');
    expect(msText(bar.openTime)).toBe('2024-08-08T23:40:00.000Z');
    expect(msText(bar.closeTime)).toBe('2024-08-08T23:40:59.999Z');
    expect(msText(Date.UTC(2024, 7, 9))).toBe('2024-08-09T00:00:00.000Z');
    expect(msText(Date.UTC(1999, 11, 31, 23, 59, 59, 7))).toBe('1999-12-31T23:59:59.007Z');
  });
});

describe('copyChunks', () => {
  it('escapes tabs, newlines and backslashes in free text and leaves validated fields as they are', () => {
    const [trade] = binanceTrades();
    if (!trade) throw new Error('no trade');
    const odd = { ...trade, tradeId: 'a\tb\\c\nd' };
    expect([...copyChunks(tradeWrite, [odd])]).toEqual([
      'binance-um\tBTCUSDT\t2024-08-08T23:54:16.322000Z\ta\\tb\\\\c\\nd\t61800.3\t0.006\tbuy\n',
    ]);
  });

  it('splits rows into chunks of the given size', () => {
    expect(
      [...copyChunks(barWrite, binanceKlines(), 8)].map((chunk) => chunk.split('\n').length - 1),
    ).toEqual([8, 8, 8, 6]);
  });
});

describe('unnestSource', () => {
  it('passes one typed array per column', () => {
    const { source, params } = unnestSource(barWrite, [bar]);
    expect(source).toMatch(/^unnest\(\$1::text\[\], \$2::text\[\], \$3::text\[\], \$4::timestamptz\[\]/);
    expect(params.slice(0, 4)).toEqual([['binance-um'], ['BTCUSDT'], ['1m'], ['2024-08-08T23:40:00.000Z']]);
  });
});

describe('dedupeRows', () => {
  it('keeps per bar the row the upsert would keep: newest revision, final over live at the same revision', () => {
    expect(dedupeRows(barWrite, [revision(1), revision(3), revision(2)])).toEqual([revision(3)]);
    expect(dedupeRows(barWrite, [revision(2), revision(2, true), revision(2)])).toEqual([revision(2, true)]);
  });

  it('keeps the last indicator value unless a final one came before it', () => {
    const value = (number: number, final: boolean): IndicatorValue => ({
      venue: 'binance-um',
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: bar.openTime,
      spec: 'rsi(14)',
      outputs: { value: number },
      final,
    });
    expect(dedupeRows(indicatorValueWrite, [value(1, false), value(2, false)])).toEqual([value(2, false)]);
    expect(dedupeRows(indicatorValueWrite, [value(1, true), value(2, false)])).toEqual([value(1, true)]);
  });
});

describe('symbolsOf', () => {
  it('lists each venue and symbol once, in first-seen order', () => {
    const trades = [
      ...binanceTrades('binance:BTCUSDT').slice(0, 3),
      ...binanceTrades('binance:ETHUSDT').slice(0, 2),
    ];
    const mixed = [...trades, ...binanceTrades().slice(0, 2), ...trades];
    expect(symbolsOf(tradeWrite, mixed)).toEqual({
      venues: ['binance', 'binance', 'binance-um'],
      symbols: ['BTCUSDT', 'ETHUSDT', 'BTCUSDT'],
    });
  });
});

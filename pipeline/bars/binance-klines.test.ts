import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTradeFile } from '../readers/read-trades.js';
import { BarAggregator } from './bar-aggregator.js';
import type { BarDecimals } from './bar-state.js';

// Real Binance data with the exchange's own bars for the same minutes; origins in ../shared/data/README.md.
const dataFile = (name: string) => fileURLToPath(new URL(`../../../shared/data/${name}`, import.meta.url));
const umTrades = dataFile('binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv');
const umKlines = dataFile('binance_um_BTCUSDT_klines_1m_2024-08-08T2340Z_2024-08-09T0009Z.csv');
const xrpAggTrades = dataFile('binance_spot_XRPETH_aggTrades_2019-10-11_2019-10-13.csv');
const xrpOhlcv = (interval: '1m' | '5m') =>
  dataFile(`binance_spot_XRPETH_ohlcv_${interval}_2019-10-11_2019-10-13.csv`);

/** A decimal as its exact value's canonical spelling: "61800.30" and "1482.0" become "61800.3" and "1482". */
const exact = (decimal: string): string => {
  expect(decimal).toMatch(/^\d+(\.\d+)?$/);
  return decimal.includes('.') ? decimal.replace(/0+$/, '').replace(/\.$/, '') : decimal;
};

async function readCsv(path: string): Promise<Record<string, string>[]> {
  const [header = '', ...lines] = (await readFile(path, 'utf8')).trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i], value])));
}

interface ExactBar extends BarDecimals {
  readonly interval: string;
  readonly openTime: number;
  readonly closeTime: number;
  readonly trades: number;
}

/** Final bars of a whole file, as the CLI builds them: first bar kept, everything finalized at the end. */
async function finalBars(
  path: string,
  format: 'binance-trades' | 'binance-aggtrades',
  intervals: string[],
): Promise<ExactBar[]> {
  const bars: ExactBar[] = [];
  const aggregator = new BarAggregator(
    { intervals, firstBar: 'keep', emptyIntervals: 'flat', liveUpdates: false },
    {
      bar: (bar) => {
        const { interval, openTime, closeTime, trades } = bar;
        if (bar.final) bars.push({ interval, openTime, closeTime, trades, ...bar.toDecimals() });
      },
      late: (late) => expect.fail(late.reason),
    },
  );
  for await (const tick of readTradeFile(path, { format, venue: 'binance', symbol: 'X' }))
    aggregator.add(tick);
  aggregator.flush();
  return bars;
}

describe('1m bars from Binance USDⓈ-M BTCUSDT trades', () => {
  it('equal Binance’s own klines for 23:55–23:59 on every field', async () => {
    const bars = await finalBars(umTrades, 'binance-trades', ['1m']);
    const klines = (await readCsv(umKlines)).filter((row) => {
      const openTime = Number(row.open_time);
      return openTime >= Date.UTC(2024, 7, 8, 23, 55) && openTime <= Date.UTC(2024, 7, 8, 23, 59);
    });
    expect(klines).toHaveLength(5);
    for (const kline of klines) {
      const bar = bars.find((candidate) => candidate.openTime === Number(kline.open_time));
      expect(bar, `bar at ${kline.open_time}`).toBeDefined();
      expect(bar && { ...bar, interval: undefined }).toEqual({
        interval: undefined,
        openTime: Number(kline.open_time),
        closeTime: Number(kline.close_time),
        open: exact(kline.open ?? ''),
        high: exact(kline.high ?? ''),
        low: exact(kline.low ?? ''),
        close: exact(kline.close ?? ''),
        volume: exact(kline.volume ?? ''),
        quoteVolume: exact(kline.quote_volume ?? ''),
        trades: Number(kline.count),
        takerBuyVolume: exact(kline.taker_buy_volume ?? ''),
      });
    }
  });
});

describe('bars from Binance spot XRPETH aggTrades', () => {
  it.each(['1m', '5m'] as const)(
    'equal the exchange %s OHLCV, empty intervals as flat bars',
    async (interval) => {
      const bars = await finalBars(xrpAggTrades, 'binance-aggtrades', ['1m', '5m']);
      const expected = (await readCsv(xrpOhlcv(interval))).map((row) => ({
        openTime: Number(row.open_time),
        open: exact(row.open ?? ''),
        high: exact(row.high ?? ''),
        low: exact(row.low ?? ''),
        close: exact(row.close ?? ''),
        volume: exact(row.volume ?? ''),
      }));
      const actual = bars
        .filter((bar) => bar.interval === interval)
        .map(({ openTime, open, high, low, close, volume }) => ({
          openTime,
          open,
          high,
          low,
          close,
          volume,
        }));
      expect(actual).toHaveLength(interval === '1m' ? 3560 : 712);
      expect(actual).toEqual(expected);
    },
  );
});

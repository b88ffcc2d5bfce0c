import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStrategy, type StrategyInput } from '../../schemas/strategy.js';
import { StrategyBook, type TradeEvent } from './strategy-book.js';

/** Real Binance spot BTCUSDT trades, 2024-08-08 23:54:15 → 2024-08-09 00:05:05 UTC. */
const file = new URL(
  '../../../shared/data/binance_spot_BTCUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
  import.meta.url,
);
const trades: TradeEvent[] = readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [, price, , time] = line.split(',');
    return { symbol: 'BTCUSDT', price: Number(price), timeUs: Number(time) * 1000 };
  });

const base: StrategyInput = {
  name: 't',
  venue: 'binance',
  symbol: 'BTCUSDT',
  interval: '1m',
  entry: { source: { kind: 'bar', field: 'open' }, operator: 'greater_than', value: 0 },
  size: { quote: 1000 },
};

/** 1m bars built here by hand (close = last trade of the minute), fed as the pipeline does: the final bar as soon
 *  as the first trade of the next minute arrives, then that trade. The first (partial) minute is skipped. */
function run(input: StrategyInput): StrategyBook {
  const book = new StrategyBook(parseStrategy(input));
  let minute = -1;
  let open = 0;
  let close = 0;
  let first = true;
  for (const trade of trades) {
    const m = Math.floor(trade.timeUs / 60_000_000);
    if (m !== minute) {
      if (minute >= 0 && !first) {
        const values = new Map([
          ['bar.open', open],
          ['bar.close', close],
        ]);
        book.onBar({
          symbol: 'BTCUSDT',
          openTime: minute * 60_000,
          closeTime: minute * 60_000 + 59_999,
          values,
        });
      }
      first = minute < 0;
      minute = m;
      open = trade.price;
    }
    close = trade.price;
    book.onTrade(trade);
  }
  book.finish();
  return book;
}

describe('StrategyBook on real trades', () => {
  it('fills at the first trade after the signal bar closed, slippage adverse, fees on both notionals', () => {
    const book = run({ ...base, feeBps: 5, slippageBps: 10 });
    // signal on the 23:55 bar (its last trade 61782.25 at 23:55:59.463); next trade 3735685389, 23:56:00.109
    const entry = 61782.25 * 1.001;
    const size = 1000 / entry;
    const exit = 61602.02; // last trade of the file, end_of_data: no slippage
    const fees = 1000 * 0.0005 + exit * size * 0.0005;
    expect(book.trades).toHaveLength(1);
    const [trade] = book.trades;
    expect(trade?.entryTime).toBe(1723161360109);
    expect(trade?.entryPrice).toBeCloseTo(entry, 9);
    expect(trade?.size).toBeCloseTo(size, 12);
    expect(trade?.exitTime).toBe(1723161905800);
    expect(trade?.exitReason).toBe('end_of_data');
    expect(trade?.fees).toBeCloseTo(fees, 9);
    expect(trade?.pnl).toBeCloseTo((exit - entry) * size - fees, 9);
  });

  it('a short sells lower by the slippage and gains as the price falls', () => {
    const book = run({ ...base, direction: 'short', size: { base: 0.5 }, slippageBps: 10 });
    const entry = 61782.25 * 0.999;
    expect(book.trades).toHaveLength(1);
    expect(book.trades[0]?.side).toBe('short');
    expect(book.trades[0]?.entryPrice).toBeCloseTo(entry, 9);
    expect(book.trades[0]?.pnl).toBeCloseTo((entry - 61602.02) * 0.5, 9);
  });

  it('a stop loss triggers on the first trade through it and fills at that trade', () => {
    const book = run({ ...base, stopLoss: { percent: 0.05 }, cooldownBars: 1000 });
    // entry 61782.25; stop 61782.25 × 0.9995 = 61751.35888…; first trade at or below: 61750.01 at 23:56:37.979
    expect(book.trades[0]).toMatchObject({
      entryPrice: 61782.25,
      exitPrice: 61750.01,
      exitTime: 1723161397979,
      exitReason: 'stop_loss',
    });
    expect(book.trades).toHaveLength(1);
  });

  it('cannot fill at the signal bar’s close: a trade of the bar handed in after it fills nothing', () => {
    const book = new StrategyBook(parseStrategy(base));
    const values = new Map([['bar.open', 61800]]);
    book.onBar({ symbol: 'BTCUSDT', openTime: 1723161300000, closeTime: 1723161359999, values });
    // the bar's own closing trade (23:55:59.463, 61782.25), offered after the signal: too early
    book.onTrade({ symbol: 'BTCUSDT', timeUs: 1723161359463_000, price: 61782.25 });
    book.onTrade({ symbol: 'BTCUSDT', timeUs: 1723161359999_999, price: 61782.25 });
    book.finish();
    expect(book.trades).toEqual([]);
    book.onBar({ symbol: 'BTCUSDT', openTime: 1723161300000, closeTime: 1723161359999, values });
    book.onTrade({ symbol: 'BTCUSDT', timeUs: 1723161360109_000, price: 61782.26 });
    book.finish();
    expect(book.trades.map((trade) => trade.entryPrice)).toEqual([61782.26]);
  });

  it('signal-only mode emits signals and opens nothing', () => {
    const book = run({ ...base, signalOnly: true });
    expect(book.trades).toEqual([]);
    expect(book.signals.length).toBeGreaterThan(5);
    expect(book.signals[0]).toMatchObject({ kind: 'entry', side: 'long', barOpenTime: 1723161300000 });
  });
});

import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Bar } from '../../schemas/bar.js';
import type { QuoteTick, TradeTick } from '../../schemas/tick.js';

/**
 * Real Binance USDⓈ-M BTCUSDT data from the shared data folder (see ../shared/data/README.md: trades and
 * bookTicker from the hftbacktest capture @c4183c6, MIT; 1m klines from Binance's public monthly files) as
 * Nexural records, for the store's tests and benchmark.
 */
const dataFile = (name: string): URL => new URL(`../../../shared/data/${name}`, import.meta.url);

function readCsv(name: string): Record<string, string>[] {
  return parse(readFileSync(dataFile(name)), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
}

const field = (row: Record<string, string>, name: string): string => {
  const value = row[name];
  if (value === undefined) throw new Error(`column ${name} missing`);
  return value;
};

const venue = 'binance-um';
const symbol = 'BTCUSDT';

/** Binance's 30 official 1m klines, 2024-08-08 23:40 → 2024-08-09 00:09 UTC, as final bars (revision 0). */
export function binanceKlines(): Bar[] {
  return readCsv('binance_um_BTCUSDT_klines_1m_2024-08-08T2340Z_2024-08-09T0009Z.csv').map((row) => ({
    venue,
    symbol,
    interval: '1m',
    openTime: Number(field(row, 'open_time')),
    closeTime: Number(field(row, 'close_time')),
    open: Number(field(row, 'open')),
    high: Number(field(row, 'high')),
    low: Number(field(row, 'low')),
    close: Number(field(row, 'close')),
    volume: Number(field(row, 'volume')),
    quoteVolume: Number(field(row, 'quote_volume')),
    trades: Number(field(row, 'count')),
    takerBuyVolume: Number(field(row, 'taker_buy_volume')),
    final: true,
    revision: 0,
  }));
}

const tradeFiles = {
  'binance-um:BTCUSDT': 'binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
  'binance:BTCUSDT': 'binance_spot_BTCUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
  'binance:ETHUSDT': 'binance_spot_ETHUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
} as const;

/**
 * Binance trades around 2024-08-09 00:00 UTC: by default the 21,313 USDⓈ-M BTCUSDT trades of
 * 23:54:16 → 23:59:59 (ids 5266583935…5266605247); spot BTCUSDT (19,904) and ETHUSDT (14,515) run to 00:05:05.
 */
export function binanceTrades(market: keyof typeof tradeFiles = 'binance-um:BTCUSDT'): TradeTick[] {
  const [tradeVenue = venue, tradeSymbol = symbol] = market.split(':');
  return readCsv(tradeFiles[market]).map((row) => ({
    kind: 'trade',
    venue: tradeVenue,
    symbol: tradeSymbol,
    tradeId: field(row, 'trade_id'),
    timeUs: Number(field(row, 'transact_time')) * 1000,
    price: Number(field(row, 'price')),
    size: Number(field(row, 'qty')),
    aggressor: field(row, 'is_buyer_maker') === 'true' ? 'sell' : 'buy',
  }));
}

/**
 * Binance.US 1m klines, 2023-03-01 → 2023-03-21 (30,240 per symbol, gap-free; cl8550-crypto/iaqf_analysis
 * @660b93c). The files have OHLCV only: quote volume is estimated as volume × close, trade counts are 0.
 */
export function binanceUsKlines(market: 'BTCUSDT' | 'BTCUSD' | 'BTCUSDC'): Bar[] {
  return readCsv(`binanceus/binanceus_${market}_1m_20230301_20230321.csv`).map((row) => {
    const openTime = Date.parse(field(row, 'open_time').replace(' ', 'T'));
    const volume = Number(field(row, 'volume'));
    const close = Number(field(row, 'close'));
    return {
      venue: 'binance-us',
      symbol: market,
      interval: '1m',
      openTime,
      closeTime: openTime + 59_999,
      open: Number(field(row, 'open')),
      high: Number(field(row, 'high')),
      low: Number(field(row, 'low')),
      close,
      volume,
      quoteVolume: volume * close,
      trades: 0,
      takerBuyVolume: 0,
      final: true,
      revision: 0,
    };
  });
}

/** The 66,089 best bid/offer updates of 2024-08-08 23:54 → 2024-08-09 00:00 UTC. */
export function binanceQuotes(): QuoteTick[] {
  return readCsv('binance_um_BTCUSDT_bookTicker_2024-08-08T2354Z_2024-08-09T0000Z.csv').map((row) => ({
    kind: 'quote',
    venue,
    symbol,
    timeUs: Number(field(row, 'transaction_time')) * 1000,
    bidPrice: Number(field(row, 'bid_price')),
    bidSize: Number(field(row, 'bid_qty')),
    askPrice: Number(field(row, 'ask_price')),
    askSize: Number(field(row, 'ask_qty')),
    updateId: field(row, 'update_id'),
  }));
}

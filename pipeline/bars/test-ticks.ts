import type { TradeTick } from '../../schemas/tick.js';

/** 2024-01-01T00:00:00Z: the start of the minute every hand-made test sequence uses. */
export const T0 = Date.UTC(2024, 0, 1);

let nextTradeId = 1;

/** A hand-made trade `ms` after T0 (tests). */
export function tradeAt(
  ms: number,
  price: number,
  size = 1,
  more: Partial<Pick<TradeTick, 'aggressor' | 'symbol' | 'venue'>> = {},
): TradeTick {
  return {
    kind: 'trade',
    venue: more.venue ?? 'binance',
    symbol: more.symbol ?? 'BTCUSDT',
    tradeId: String(nextTradeId++),
    timeUs: (T0 + ms) * 1000,
    price,
    size,
    aggressor: more.aggressor ?? 'buy',
  };
}

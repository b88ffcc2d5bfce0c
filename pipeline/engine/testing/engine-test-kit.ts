import { fileURLToPath } from 'node:url';
import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { IndicatorValue } from '../../../schemas/indicator-value.js';
import type { TradeTick } from '../../../schemas/tick.js';
import { readTradeFile } from '../../readers/read-trades.js';
import type { EngineOutput } from '../engine-output.js';

/** Real Binance USDⓈ-M BTCUSDT trades, 23:54:16 → 23:59:59 UTC on 2024-08-08 (../shared/data/README.md). */
export const UM_BTCUSDT_TRADES_FILE = fileURLToPath(
  new URL(
    '../../../../shared/data/binance_um_BTCUSDT_trades_2024-08-08T235416Z_2024-08-08T235959Z.csv',
    import.meta.url,
  ),
);

/** The UM BTCUSDT file's ticks, in file order. */
export async function readUmBtcusdtTicks(): Promise<TradeTick[]> {
  const ticks: TradeTick[] = [];
  for await (const tick of readTradeFile(UM_BTCUSDT_TRADES_FILE, {
    format: 'binance-trades',
    venue: 'binance-um',
    symbol: 'BTCUSDT',
  })) {
    ticks.push(tick);
  }
  return ticks;
}

/** An engine output that keeps everything: bars as JSON of their immutable copy, indicator values, alerts. */
export function recordingOutput() {
  const bars: string[] = [];
  const indicators: IndicatorValue[] = [];
  const alerts: AlertEvent[] = [];
  const output: EngineOutput = {
    bar: (bar) => bars.push(JSON.stringify(bar.toBar())),
    indicator: (value) => indicators.push(value),
    alert: (event) => alerts.push(event),
    late: () => {},
  };
  return { output, bars, indicators, alerts };
}

/** A made-up binance BTCUSDT buy of size 1 at `ms` (event time) and `price`, for trade-by-trade tests. */
export const tradeAt = (ms: number, price: number, id: string): TradeTick => ({
  kind: 'trade',
  venue: 'binance',
  symbol: 'BTCUSDT',
  tradeId: id,
  timeUs: ms * 1000,
  price,
  size: 1,
  aggressor: 'buy',
});

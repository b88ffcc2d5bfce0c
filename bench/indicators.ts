// Micro-benchmark: ns per update of every registered indicator (add = new bar, replace = forming bar), next to
// trading-signals on the same bars where it has the indicator; best of 3 runs per cell.
// Run: npx tsx bench/indicators.ts [updates per run]
import { readFileSync } from 'node:fs';
import * as ts from 'trading-signals';
import type { BarInput, Indicator } from '../pipeline/indicators/indicator.js';
import { createIndicator, indicatorNames, parseIndicatorSpec } from '../pipeline/indicators/registry.js';

const UPDATES = Number(process.argv[2] ?? 1_000_000);

/** Real Binance.US BTCUSDT minutes, repeated with shifted times until there are enough distinct bars. */
function loadBars(): BarInput[] {
  const text = readFileSync(
    new URL('../../shared/data/binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv', import.meta.url),
    'utf8',
  );
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [time = '', open, high, low, close, volume] = line.split(',');
      return {
        openTime: Date.parse(time.replace(' ', 'T')),
        open: Number(open),
        high: Number(high),
        low: Number(low),
        close: Number(close),
        volume: Number(volume),
      };
    });
}

type Candle = { open: number; high: number; low: number; close: number; volume: number };
interface TsIndicator<I> {
  add(input: I): unknown;
}
type TsCase =
  | { make: () => TsIndicator<number>; input: 'close' }
  | { make: () => TsIndicator<Candle>; input: 'candle' };

// trading-signals classes for the same indicator and window (their seeding differs; only the cost is compared).
const tradingSignals: Partial<Record<string, TsCase>> = {
  sma: { make: () => new ts.SMA(30), input: 'close' },
  ema: { make: () => new ts.EMA(30), input: 'close' },
  wma: { make: () => new ts.WMA(30), input: 'close' },
  dema: { make: () => new ts.DEMA(30), input: 'close' },
  tema: { make: () => new ts.TEMA(30), input: 'close' },
  rsi: { make: () => new ts.RSI(14), input: 'close' },
  macd: { make: () => new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)), input: 'close' },
  bbands: { make: () => new ts.BollingerBands(5, 2), input: 'close' },
  atr: { make: () => new ts.ATR(14), input: 'candle' },
  natr: { make: () => new ts.NATR(14), input: 'candle' },
  stoch: {
    make: () => new ts.StochasticOscillator({ kPeriod: 5, kSlowingPeriod: 3, dPeriod: 3 }),
    input: 'candle',
  },
  stochrsi: { make: () => new ts.StochasticRSI(14), input: 'close' },
  cci: { make: () => new ts.CCI(14), input: 'candle' },
  adx: { make: () => new ts.ADX(14), input: 'candle' },
  mfi: { make: () => new ts.MFI(14), input: 'candle' },
  obv: { make: () => new ts.OBV(2), input: 'candle' },
  roc: { make: () => new ts.ROC(10), input: 'close' },
  willr: { make: () => new ts.WilliamsR(14), input: 'candle' },
  vwap: { make: () => new ts.VWAP(), input: 'candle' },
  donchian: { make: () => new ts.DonchianChannels(20), input: 'candle' },
  keltner: { make: () => new ts.KeltnerChannels(), input: 'candle' },
};

/**
 * CPU time (not wall time) per update, best of 3 runs: the machine is shared, and CPU time plus the minimum is the
 * least disturbed measurement.
 */
function nsPer(updates: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 3; attempt++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / updates);
  }
  return best;
}

function timeAdd(indicator: Indicator, bars: readonly BarInput[]): number {
  for (const bar of bars) indicator.add(bar); // warm-up: JIT and state
  return nsPer(UPDATES, () => {
    for (let i = 0; i < UPDATES; i++) indicator.add(bars[i % bars.length] as BarInput);
  });
}

function timeReplace(indicator: Indicator, bars: readonly BarInput[]): number {
  for (const bar of bars) indicator.add(bar);
  return nsPer(UPDATES, () => {
    for (let i = 0; i < UPDATES; i++) indicator.replace(bars[i % bars.length] as BarInput);
  });
}

function timeTradingSignals(entry: TsCase, bars: readonly BarInput[]): number {
  if (entry.input === 'close') {
    const closes = bars.map((bar) => bar.close);
    const indicator = entry.make();
    for (const close of closes) indicator.add(close);
    return nsPer(UPDATES, () => {
      for (let i = 0; i < UPDATES; i++) indicator.add(closes[i % closes.length] as number);
    });
  }
  const indicator = entry.make();
  for (const bar of bars) indicator.add(bar);
  return nsPer(UPDATES, () => {
    for (let i = 0; i < UPDATES; i++) indicator.add(bars[i % bars.length] as BarInput);
  });
}

const bars = loadBars();
const fmt = (ns: number) => ns.toFixed(1).padStart(8);
console.log(
  `${UPDATES.toLocaleString('en')} updates per cell over ${bars.length.toLocaleString('en')} real 1m bars, Node ${process.version}`,
);
console.log(
  `${'indicator'.padEnd(18)} ${'ns/add'.padStart(8)} ${'ns/repl'.padStart(8)} ${'t-s ns'.padStart(8)} ${'t-s / us'.padStart(9)}`,
);
for (const name of indicatorNames) {
  const spec = parseIndicatorSpec(name).spec;
  const add = timeAdd(createIndicator(spec), bars);
  const replace = timeReplace(createIndicator(spec), bars);
  const entry = tradingSignals[name];
  const theirs = entry ? timeTradingSignals(entry, bars) : Number.NaN;
  const ratio = entry ? `${(theirs / add).toFixed(1)}×`.padStart(9) : '—'.padStart(9);
  console.log(
    `${spec.padEnd(18)} ${fmt(add)} ${fmt(replace)} ${entry ? fmt(theirs) : '—'.padStart(8)} ${ratio}`,
  );
}

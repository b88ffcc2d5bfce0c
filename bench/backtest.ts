/**
 * npm run bench:backtest — the real spot BTCUSDT + ETHUSDT trades of ../shared/data repeated with shifted times
 * to ≥ 2M ticks (as bench:replay does), through MarketEngine (1m bars, the strategies' indicators) twice: plain,
 * then feeding 10 EMA-cross strategies (5 per symbol, StrategyBook each) as `nexural backtest` does. The ratio
 * is the cost of the strategies. In-process engine pass only (no log copy): compare with bench:replay's
 * processor-only line for the whole replay. Printed, never asserted.
 *
 *   npm run bench:backtest -- [--ticks 2000000]
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type FinalBar, StrategyBook } from '../consumers/strategy/strategy-book.js';
import { MarketEngine } from '../pipeline/engine/market-engine.js';
import { readTradeFile } from '../pipeline/readers/read-trades.js';
import { parseStrategy } from '../schemas/strategy.js';
import type { TradeTick } from '../schemas/tick.js';
import { printTable } from './bench-table.js';

const { values } = parseArgs({ options: { ticks: { type: 'string', default: '2000000' } } });
const target = Number(values.ticks);
const data = (file: string) => fileURLToPath(new URL(`../../shared/data/${file}`, import.meta.url));
const sample: TradeTick[] = [];
for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
  const file = `binance_spot_${symbol}_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv`;
  for await (const tick of readTradeFile(data(file), { format: 'binance-trades', venue: 'binance', symbol }))
    sample.push(tick);
}
sample.sort((a, b) => a.timeUs - b.timeUs);
const roundUs = 15 * 60 * 1_000_000;
const ticks: TradeTick[] = [];
for (let round = 0; ticks.length < target; round++)
  for (const tick of sample) {
    if (ticks.length >= target) break;
    ticks.push({ ...tick, timeUs: tick.timeUs + round * roundUs, tradeId: `${round}-${tick.tradeId}` });
  }

const pairs = [
  [3, 10],
  [5, 20],
  [8, 21],
  [10, 30],
  [12, 26],
];
const strategies = ['BTCUSDT', 'ETHUSDT'].flatMap((symbol) =>
  pairs.map(([fast, slow]) => {
    const series = (n: number | undefined) => ({ kind: 'indicator', spec: `ema(${n})`, output: 'value' });
    return parseStrategy({
      name: `ema-${fast}-${slow}`,
      venue: 'binance',
      symbol,
      interval: '1m',
      entry: { source: series(fast), operator: 'crossing_up', value: series(slow) },
      exit: { source: series(fast), operator: 'crossing_down', value: series(slow) },
      stopLoss: { percent: 0.5 },
      size: { quote: 1000 },
      feeBps: 5,
    });
  }),
);
const indicators = [...new Set(pairs.flat())].map((n) => `ema(${n})`);

function pass(withStrategies: boolean): { seconds: number; trades: number } {
  const books = withStrategies ? strategies.map((strategy) => new StrategyBook(strategy)) : [];
  const pending: (FinalBar & { values: Map<string, number> })[] = [];
  const engine = new MarketEngine(
    { bars: { intervals: ['1m'], firstBar: 'skip' }, indicators, liveBarThrottleMs: -1 },
    {
      bar: (bar) => {
        if (!withStrategies || !bar.final) return;
        const values = new Map([['bar.close', bar.close]]);
        pending.push({ symbol: bar.symbol, openTime: bar.openTime, closeTime: bar.closeTime, values });
      },
      indicator: (value) => {
        const last = pending.at(-1);
        if (!last || !value.final || last.symbol !== value.symbol || last.openTime !== value.openTime) return;
        for (const [output, number] of Object.entries(value.outputs))
          last.values.set(`${value.spec}.${output}`, number);
      },
      alert() {},
      late() {},
    },
  );
  const started = performance.now();
  let advancedTo = Number.NEGATIVE_INFINITY;
  for (const tick of ticks) {
    engine.add(tick);
    const ms = Math.floor(tick.timeUs / 1000);
    const second = ms - (ms % 1000);
    if (second > advancedTo) {
      advancedTo = second;
      engine.advanceWatermark(second);
    }
    if (!withStrategies) continue;
    for (const bar of pending.splice(0))
      for (const book of books) if (book.strategy.symbol === bar.symbol) book.onBar(bar);
    const trade = { symbol: tick.symbol, timeUs: tick.timeUs, price: tick.price };
    for (const book of books) if (book.strategy.symbol === tick.symbol) book.onTrade(trade);
  }
  engine.flush();
  for (const book of books) book.finish();
  return {
    seconds: (performance.now() - started) / 1000,
    trades: books.reduce((sum, book) => sum + book.trades.length, 0),
  };
}

const plain = pass(false);
const withTen = pass(true);
printTable(
  `backtest: ${ticks.length.toLocaleString('en-US')} real trades (repeated), 1m bars, ${indicators.length} EMAs`,
  [
    { run: 'engine only', seconds: plain.seconds, 'ticks/s': ticks.length / plain.seconds, 'round trips': 0 },
    {
      run: '+ 10 strategies',
      seconds: withTen.seconds,
      'ticks/s': ticks.length / withTen.seconds,
      'round trips': withTen.trades,
    },
  ],
);
process.stdout.write(`ratio (cost of the strategies): ${(withTen.seconds / plain.seconds).toFixed(2)}×\n`);

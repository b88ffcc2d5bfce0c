/**
 * Per-tick cost of BarAggregator: 1,000 symbols, 1s + 1m + 1h bars from one stream. Prints a table.
 * Run: npx tsx pipeline/bars/bar-aggregator.bench.ts [ticks=1000000]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { TradeTick } from '../../schemas/tick.js';
import { BarAggregator } from './bar-aggregator.js';
import type { BarAggregatorOptionsInput } from './bar-options.js';
import type { BarView } from './bar-state.js';

const TICKS = Number(process.argv[2] ?? 1_000_000);
const SYMBOLS = 1000;
const INTERVALS = ['1s', '1m', '1h'];

/**
 * Reproducible ticks, 5,000 a second across the symbols: prices on a 0.01 grid and sizes on a 0.001 grid
 * as venues quote them, or (offGrid) arbitrary floats that no short decimal represents.
 */
function syntheticTicks(count: number, offGrid: boolean): TradeTick[] {
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const symbols = Array.from({ length: SYMBOLS }, (_, i) => `SYM${i}USDT`);
  const prices = symbols.map((_, i) => 10 + i);
  const start = Date.UTC(2024, 7, 8) * 1000;
  return Array.from({ length: count }, (_, i) => {
    const s = Math.floor(random() * SYMBOLS);
    const price = Math.max(0.01, (prices[s] ?? 10) + (random() - 0.5) * 0.1);
    prices[s] = price;
    return {
      kind: 'trade',
      venue: 'binance',
      symbol: symbols[s] ?? 'SYM0USDT',
      tradeId: String(i),
      timeUs: start + i * 200,
      price: offGrid ? price : Math.round(price * 100) / 100,
      size: offGrid ? random() * 2 : Math.round(random() * 2000 + 1) / 1000,
      aggressor: random() < 0.5 ? 'buy' : 'sell',
    } satisfies TradeTick;
  });
}

interface Scenario {
  readonly name: string;
  readonly options: Partial<BarAggregatorOptionsInput>;
  /** what a consumer does with each emitted bar */
  readonly consume: (bar: BarView) => unknown;
  readonly offGrid?: boolean;
}

const scenarios: Scenario[] = [
  { name: 'final bars only', options: { liveUpdates: false }, consume: (bar) => bar.close },
  { name: 'live updates, fields read', options: {}, consume: (bar) => bar.close + bar.volume },
  { name: 'live updates, toBar() each', options: {}, consume: (bar) => bar.toBar() },
  {
    name: 'live, lateness 2s, grace 5s',
    options: { allowedLatenessMs: 2000, graceMs: 5000 },
    consume: (bar) => bar.close,
  },
  {
    name: 'final only, off-grid floats',
    options: { liveUpdates: false },
    consume: (bar) => bar.close,
    offGrid: true,
  },
];

/** CPU time of this process (ns): on a shared machine, wall time would count other processes' turns. */
const cpuNs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
};
/** GC entries are delivered asynchronously: let them arrive before reading the total. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 20));
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

const onGrid = syntheticTicks(TICKS, false);
const offGrid = syntheticTicks(TICKS, true);
const rows = [];
for (const scenario of scenarios) {
  const ticks = scenario.offGrid ? offGrid : onGrid;
  let best = { ns: Number.POSITIVE_INFINITY, emitted: 0, gcMs: 0 };
  for (let round = 0; round < 3; round++) {
    let emitted = 0;
    let kept: unknown;
    const sink = {
      bar: (bar: BarView) => {
        emitted++;
        kept = scenario.consume(bar);
      },
      late: () => {},
    };
    const aggregator = new BarAggregator(
      { intervals: INTERVALS, firstBar: 'keep', ...scenario.options },
      sink,
    );
    await settled();
    const gcBefore = gcMs;
    const started = cpuNs();
    for (const tick of ticks) aggregator.add(tick);
    aggregator.flush();
    const ns = cpuNs() - started;
    await settled();
    if (ns < best.ns && kept !== Symbol.for('never')) best = { ns, emitted, gcMs: gcMs - gcBefore };
  }
  rows.push({
    scenario: scenario.name,
    'ns/tick': (best.ns / TICKS).toFixed(0),
    'ticks/s': Math.round(TICKS / (best.ns / 1e9)).toLocaleString('en'),
    emissions: best.emitted.toLocaleString('en'),
    'gc ms': best.gcMs.toFixed(0),
  });
}
const memory = process.memoryUsage();
console.log(
  `${TICKS.toLocaleString('en')} ticks, ${SYMBOLS} symbols, ${INTERVALS.join('+')} bars, CPU time, best of 3`,
);
console.table(rows);
console.log(
  `heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB (tick arrays included), rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB`,
);

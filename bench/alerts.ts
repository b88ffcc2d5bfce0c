/**
 * Alert engine throughput: series points per second with 10,000 and 100,000 rules spread over 1,000 symbols.
 * Run: `npx tsx bench/alerts.ts [points] [rule counts] [no-breakdown]` (default 1,000,000 points per row, rows
 * 0,10000,100000, then one row per condition shape at 100,000 rules, then series-threshold rules evaluated in
 * frames, 1,000 to 100,000 rules). Prints tables; asserts nothing.
 *
 * Synthetic but shaped like the live feed: a random walk per symbol (±0.02 % per trade), trades spread
 * over the symbols 1 ms apart, a price point per trade plus a final point per 1m bar. Rules mix every
 * operator with thresholds within ±2 % of the start price, mostly once per bar. The "0 rules" row is the
 * cost of generating the points, to subtract.
 */

import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AlertEngine } from '../pipeline/alerts/engine.js';
import type { SeriesPoint } from '../pipeline/alerts/series-point.js';
import type { AlertCondition, AlertFrequency, AlertRuleInput } from '../schemas/alert-rule.js';
import { seededRandom } from '../schemas/seeded-random.js';

const SYMBOLS = 1_000;
const MINUTE = 60_000;
const START = Date.UTC(2024, 7, 8);
const points = Number(process.argv[2] ?? 1_000_000);

// A full collection before each timed loop, so one row does not pay for the garbage of the previous one.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

let gcMs = 0;
const addGc = (entries: readonly { readonly duration: number }[]): void => {
  for (const entry of entries) gcMs += entry.duration;
};
const gcObserver = new PerformanceObserver((list) => addGc(list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });
/** GC time so far; GC entries are delivered asynchronously, so give them a moment first. */
const gcTotal = async (): Promise<number> => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  addGc(gcObserver.takeRecords());
  return gcMs;
};

const basePrice = (symbol: number): number => 10 + symbol * 7.3;

/** The rule mix: one of 10 condition shapes per rule, or always `only` (an index into that list). */
function makeRules(count: number, only?: number): AlertRuleInput[] {
  const next = seededRandom(42);
  const rules: AlertRuleInput[] = [];
  for (let index = 0; index < count; index++) {
    const symbol = index % SYMBOLS;
    const base = basePrice(symbol);
    const near = (): number => base * (1 + (next() - 0.5) * 0.04);
    const drawn = Math.floor(next() * 10);
    const kind = only ?? drawn;
    const [a, b] = [near(), near()].sort((x, y) => x - y) as [number, number];
    const conditions: AlertCondition[] = [
      { operator: 'crossing', value: near() },
      { operator: 'crossing_up', value: near() },
      { operator: 'crossing_down', value: near() },
      { operator: 'entering_channel', lower: a, upper: b + base * 0.001 },
      { operator: 'greater_than', value: base * (1.01 + next() * 0.05) },
      { operator: 'less_than', value: base * (0.99 - next() * 0.05) },
      { operator: 'inside_channel', lower: a, upper: b + base * 0.001 },
      { operator: 'outside_channel', lower: base * 0.9, upper: base * 1.1 },
      { operator: 'moving_up_percent', percent: 0.5 + next() * 2, bars: 1 + Math.floor(next() * 5) },
      { operator: 'moving_down', amount: base * (0.005 + next() * 0.02), bars: 1 + Math.floor(next() * 5) },
    ];
    const frequencies: AlertFrequency[] = [
      'once_per_bar',
      'once_per_bar',
      'every_time',
      'once_per_bar_close',
    ];
    rules.push({
      id: `rule-${index}`,
      owner: `user-${index % 997}`,
      symbol: `SYM${symbol}`,
      interval: '1m',
      source: { kind: 'price' },
      condition: conditions[kind] as AlertCondition,
      frequency: frequencies[Math.floor(next() * frequencies.length)],
    });
  }
  return rules;
}

interface Row {
  readonly label: string;
  readonly rules: number;
  readonly loadSeconds: number;
  readonly points: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly visitedPerPoint: number;
  readonly fired: number;
  readonly stopped: number;
  readonly heapMb: number;
  readonly gcMs: number;
}

async function run(ruleCount: number, only?: number): Promise<Row> {
  const rules = makeRules(ruleCount, only);
  const loadStart = process.hrtime.bigint();
  const engine = new AlertEngine(rules);
  const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9;
  const next = seededRandom(7);
  const prices = Array.from({ length: SYMBOLS }, (_, symbol) => basePrice(symbol));
  const bars = prices.map((price) => ({
    openTime: START,
    final: false,
    revision: 0,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: 0,
  }));
  const names = prices.map((_, symbol) => `SYM${symbol}`);
  let sent = 0;
  collectGarbage();
  const gcBefore = await gcTotal();
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let n = 0; sent < points; n++) {
    const time = START + n;
    const symbol = Math.floor(next() * SYMBOLS);
    const bar = bars[symbol] as (typeof bars)[number];
    const openTime = time - (time % MINUTE);
    if (bar.openTime !== openTime) {
      engine.evaluate(
        point(names[symbol] as string, bar.close, { ...bar, final: true }, time - 1, {
          kind: 'bar',
          openTime: bar.openTime,
          final: true,
          revision: bar.revision,
        }),
      );
      sent++;
      const close = bar.close;
      Object.assign(bar, { openTime, revision: 0, open: close, high: close, low: close, volume: 0 });
    }
    const price = (prices[symbol] as number) * (1 + (next() - 0.5) * 0.0004);
    prices[symbol] = price;
    bar.revision++;
    bar.high = Math.max(bar.high, price);
    bar.low = Math.min(bar.low, price);
    bar.close = price;
    bar.volume += 1;
    engine.evaluate(
      point(names[symbol] as string, price, { ...bar }, time, {
        kind: 'tick',
        tradeId: String(n),
        timeUs: time * 1000,
        price,
      }),
    );
    sent++;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const operator = only === undefined ? 'mix' : (rules[0]?.condition.operator ?? '');
  return {
    label: `${ruleCount.toLocaleString('en')} ${ruleCount ? operator : ''}`.trim(),
    rules: ruleCount,
    loadSeconds,
    points: sent,
    seconds,
    cpuSeconds,
    visitedPerPoint: engine.stats.rulesVisited / sent,
    fired: engine.stats.fired,
    stopped: engine.stats.stopped,
    heapMb: process.memoryUsage().heapUsed / 1e6,
    gcMs: (await gcTotal()) - gcBefore,
  };
}

function point(
  symbol: string,
  value: number,
  bar: SeriesPoint['bar'],
  time: number,
  trigger: SeriesPoint['trigger'],
): SeriesPoint {
  return {
    venue: 'bench',
    symbol,
    interval: '1m',
    series: 'price',
    value,
    bar,
    trigger,
    sourcePosition: null,
    time,
  };
}

const table = (rows: readonly Row[]): void =>
  console.table(
    rows.map((row) => ({
      rules: row.label,
      'load s': row.loadSeconds.toFixed(2),
      'points/s (wall)': Math.round(row.points / row.seconds).toLocaleString('en'),
      'points/s (cpu)': Math.round(row.points / row.cpuSeconds).toLocaleString('en'),
      'cpu ns/point': Math.round((row.cpuSeconds * 1e9) / row.points),
      'rules visited/point': row.visitedPerPoint.toFixed(3),
      fired: row.fired.toLocaleString('en'),
      'stopped (storm, once)': row.stopped.toLocaleString('en'),
      'GC ms': row.gcMs.toFixed(0),
      'heap MB': row.heapMb.toFixed(0),
    })),
  );

const ruleCounts = (process.argv[3] ?? '0,10000,100000').split(',').map(Number);
const mixed: Row[] = [];
for (const ruleCount of ruleCounts) mixed.push(await run(ruleCount));
console.log(
  `alert engine, ${SYMBOLS} symbols, ${points.toLocaleString('en')} points per row, node ${process.version}`,
);
console.log('rule mix: 10 condition shapes, thresholds within ±2 % of the start price, mostly once per bar');
table(mixed);

// Where the cost comes from: 100 rules of one shape per symbol. Rules not crossed cost nothing; rules whose
// state holds are visited on every point even when their frequency then refuses them.
if (process.argv[4] !== 'no-breakdown') {
  const single: Row[] = [];
  for (const only of [0, 3, 4, 6, 7, 8]) single.push(await run(100_000, only));
  console.log('one condition shape per run, 100,000 rules (100 per symbol):');
  table(single);
}

/**
 * Series-threshold rules: price against a moving average of itself, all of a symbol's rules in one group
 * (crossing up, crossing down), evaluated as the MarketEngine does, one frame per trade. The cost per frame
 * stays that of one comparison per group whatever the number of rules; only firings add work.
 */
async function runSeries(ruleCount: number, crossing: boolean) {
  const names = Array.from({ length: SYMBOLS }, (_, symbol) => `S${symbol}`);
  const average = { kind: 'indicator', spec: 'ema(20)', output: 'value' } as const;
  const rules: AlertRuleInput[] = Array.from({ length: ruleCount }, (_, index) => ({
    id: `series-${index}`,
    owner: 'bench',
    symbol: names[index % SYMBOLS] as string,
    interval: '1m',
    source: { kind: 'price' },
    condition: { operator: index % 2 === 0 ? 'crossing_up' : 'crossing_down', value: average },
    frequency: 'once_per_bar',
  }));
  const engine = new AlertEngine(rules);
  const frames = names.map((name) => engine.frameOf('bench', name, '1m'));
  const next = seededRandom(7);
  const prices = names.map((_, symbol) => basePrice(symbol));
  const averages = prices.slice();
  const bar = { openTime: START, final: false, revision: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  const context = { bar, tick: null, sourcePosition: null, time: START, barSeq: 0 };
  collectGarbage();
  const cpuStart = process.cpuUsage();
  for (let n = 0; n < points; n++) {
    const symbol = n % SYMBOLS;
    const frame = frames[symbol];
    const price = (prices[symbol] as number) * (1 + (next() - 0.5) * 0.0004);
    prices[symbol] = price;
    const smooth = (averages[symbol] as number) * 0.95 + price * 0.05;
    averages[symbol] = smooth;
    context.time = START + n;
    bar.openTime = context.time - (context.time % MINUTE);
    if (!frame) continue;
    const priceCell = frame.cellOf('price');
    const averageCell = frame.cellOf('ema(20).value');
    if (priceCell) priceCell.value = price;
    // quiet: the average far above the price, so no rule ever holds (the cost of the comparisons alone)
    if (averageCell) averageCell.value = crossing ? smooth : smooth * 2;
    engine.evaluateFrame(frame, context);
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    rules: `${ruleCount.toLocaleString('en')} ${crossing ? 'crossing' : 'quiet'}`,
    'cpu ns/frame': Math.round((cpuSeconds * 1e9) / points),
    'groups compared/frame': (engine.stats.groupsCompared / points).toFixed(3),
    'rules visited/frame': (engine.stats.rulesVisited / points).toFixed(3),
    fired: engine.stats.fired.toLocaleString('en'),
  };
}

const seriesRows = [];
for (const crossing of [false, true]) {
  for (const ruleCount of [1_000, 10_000, 100_000]) seriesRows.push(await runSeries(ruleCount, crossing));
}
console.log(
  'series thresholds: price vs a moving average, one group per symbol, one frame per trade (quiet: never holds; crossing: every crossing fires half the rules, once per bar):',
);
console.table(seriesRows);

/**
 * npm run bench:engine — the whole engine on one core: ≥ 5M synthetic ticks across 1,000 symbols, 1s+1m+1h
 * bars, 6 indicators per symbol/interval, 10,000 alert rules: once with numeric thresholds only (constant
 * book), once with 4 of each symbol's 10 rules comparing two series (mixed book: price vs SMA(20) up and down,
 * MACD vs its signal, close vs the Bollinger Bands). Then the same indicator workload through trading-signals
 * (npm) and through ours, for the ratio. Printed, never asserted. The feed is exchange-like by default (see
 * engine-feed.ts); `--feed uniform` spreads ticks evenly over symbols, the worst case for caches.
 *
 *   npm run bench:engine -- [--ticks 5000000] [--symbols 1000] [--feed zipf|uniform] [--rate 1388.9]
 *                           [--book both|constant|mixed] [--digest [--digest-restore]]
 *
 * `--digest` prints SHA-256s of every output (bars, indicator values, alerts, late ticks, in order) and of 4
 * engine snapshots taken at fixed ticks, to compare two versions of the engine by one line (its timings
 * include the hashing); `--digest-restore` also continues each run on an engine restored from each snapshot.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ATR, BollingerBands, EMA, MACD, RSI, SMA } from 'trading-signals';
import type { BarView } from '../pipeline/bars/bar-state.js';
import type { EngineConfigInput } from '../pipeline/engine/engine-config.js';
import type { EngineOutput } from '../pipeline/engine/engine-output.js';
import { decodeEngineSnapshot, encodeEngineSnapshot } from '../pipeline/engine/engine-snapshot.js';
import { MarketEngine } from '../pipeline/engine/market-engine.js';
import type { BarInput, Indicator } from '../pipeline/indicators/indicator.js';
import { createIndicator } from '../pipeline/indicators/registry.js';
import type { AlertRuleInput } from '../schemas/alert-rule.js';
import type { TradeTick } from '../schemas/tick.js';
import { measureGc, mib, printTable } from './bench-table.js';
import { EngineDigest } from './engine-digest.js';
import { createFeed, type FeedOptions, feedChunkBytes } from './engine-feed.js';

const { values } = parseArgs({
  options: {
    ticks: { type: 'string', default: '5000000' },
    symbols: { type: 'string', default: '1000' },
    feed: { type: 'string', default: 'zipf' },
    rate: { type: 'string', default: String(5_000_000 / 3600) },
    'engine-only': { type: 'boolean', default: false },
    book: { type: 'string', default: 'both' },
    digest: { type: 'boolean', default: false },
    'digest-restore': { type: 'boolean', default: false },
  },
});
/** constant: 10k numeric-threshold rules; mixed: 10k rules, 40% comparing two series; both: one run each */
const books =
  values.book === 'both' ? ['constant', 'mixed'] : [values.book === 'mixed' ? 'mixed' : 'constant'];
const tickCount = Number(values.ticks);
const symbolCount = Number(values.symbols);
const feed = values.feed === 'uniform' ? 'uniform' : 'zipf';
/** ticks per second of event time, all symbols together: 5M ticks span one hour */
const ratePerSecond = Number(values.rate);
const INDICATORS = ['sma(20)', 'ema(20)', 'rsi(14)', 'macd(12,26,9)', 'bbands(20,2)', 'atr(14)'];
const START_MS = Date.UTC(2024, 7, 8, 23, 30);
const SPAN_MS = Math.round((tickCount / ratePerSecond) * 1000);

const symbols = Array.from({ length: symbolCount }, (_, i) => `SYM${String(i).padStart(4, '0')}`);
const startPrice = symbols.map((_, i) => 10 + ((i * 7919) % 5000));
const feedOptions: FeedOptions = {
  kind: feed,
  ticks: tickCount,
  symbols: symbolCount,
  startMs: START_MS,
  spanMs: SPAN_MS,
  startPrice,
};

/** A full collection, so the heap figures count what is kept, not garbage not yet collected. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** the process's RSS before the feed, the rules and the engine: node, the loader, the modules */
const rssAtStart = process.memoryUsage().rss;

// The feed's figures from one pass of the generator (each book's run generates the same ticks again).
const perSymbol = new Float64Array(symbolCount);
let bursts = 0;
{
  const stats = createFeed(feedOptions);
  const { chunk } = stats;
  let lastSymbol = -1;
  let lastTimeUs = -1;
  while (stats.fill() > 0) {
    for (let row = 0; row < chunk.length; row++) {
      const s = chunk.symbol[row] ?? 0;
      const timeUs = chunk.timeUs[row] ?? 0;
      perSymbol[s] = (perSymbol[s] ?? 0) + 1;
      if (s !== lastSymbol || timeUs !== lastTimeUs) bursts++;
      lastSymbol = s;
      lastTimeUs = timeUs;
    }
  }
}
const byActivity = [...perSymbol].sort((a, b) => b - a);
const perSecond = (ticks: number | undefined) => ((ticks ?? 0) * 1000) / SPAN_MS;
printTable(`Feed (--feed ${feed}; --feed zipf|uniform, --rate ticks per event-time second)`, [
  {
    ticks: tickCount,
    symbols: symbolCount,
    'event span s': SPAN_MS / 1000,
    'ticks/s all': perSecond(tickCount),
    'ticks/s busiest': perSecond(byActivity[0]),
    'ticks/s median': perSecond(byActivity[symbolCount >> 1]),
    'ticks/s quietest': perSecond(byActivity[symbolCount - 1]),
    'ticks/burst': tickCount / bursts,
  },
]);

/** Whether a rule compares its source with a series (any threshold not a number). */
const seriesOfThreshold = (rule: AlertRuleInput): boolean =>
  Object.values(rule.condition).some((threshold) => typeof threshold === 'object');
const ruleOwner = (i: number) => `user${i % 50}`;
const priceLevel = (symbol: string, i: number, direction: 'up' | 'down', level: number): AlertRuleInput => {
  const base = startPrice[i] ?? 1;
  const factor = direction === 'up' ? 1 + level * 0.005 : 1 - level * 0.005;
  return {
    id: `${symbol}-${direction}-${level}`,
    owner: ruleOwner(i),
    symbol,
    interval: '1m',
    source: { kind: 'price' },
    condition: {
      operator: direction === 'up' ? 'crossing_up' : 'crossing_down',
      value: Math.round(base * factor * 100) / 100,
    },
    frequency: 'once_per_bar',
  };
};
const rsiRules = (symbol: string, i: number): AlertRuleInput[] => [
  {
    id: `${symbol}-rsi-hot`,
    owner: ruleOwner(i),
    symbol,
    interval: '1m',
    source: { kind: 'indicator', spec: 'rsi(14)' },
    condition: { operator: 'crossing_up', value: 70 },
    frequency: 'once_per_bar_close',
  },
  {
    id: `${symbol}-rsi-cold`,
    owner: ruleOwner(i),
    symbol,
    interval: '1m',
    source: { kind: 'indicator', spec: 'rsi(14)' },
    condition: { operator: 'crossing_down', value: 30 },
    frequency: 'once_per_bar_close',
  },
];
/** Two series compared: three groups per symbol (price/SMA, MACD/signal, close/bands). */
const seriesRules = (symbol: string, i: number): AlertRuleInput[] => {
  const common = { owner: ruleOwner(i), symbol, interval: '1m' } as const;
  const sma = { kind: 'indicator', spec: 'sma(20)', output: 'value' } as const;
  return [
    {
      ...common,
      id: `${symbol}-over-sma`,
      source: { kind: 'price' },
      condition: { operator: 'crossing_up', value: sma },
    },
    {
      ...common,
      id: `${symbol}-under-sma`,
      source: { kind: 'price' },
      condition: { operator: 'crossing_down', value: sma },
    },
    {
      ...common,
      id: `${symbol}-macd-signal`,
      source: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'macd' },
      condition: {
        operator: 'crossing',
        value: { kind: 'indicator', spec: 'macd(12,26,9)', output: 'signal' },
      },
      frequency: 'once_per_bar_close',
    },
    {
      ...common,
      id: `${symbol}-outside-bands`,
      source: { kind: 'bar', field: 'close' },
      condition: {
        operator: 'outside_channel',
        lower: { kind: 'indicator', spec: 'bbands(20,2)', output: 'lower' },
        upper: { kind: 'indicator', spec: 'bbands(20,2)', output: 'upper' },
      },
      frequency: 'once_per_bar_close',
    },
  ];
};

/** 10 rules per symbol. constant: 8 price levels around the start price, 2 RSI rules on 1m. */
const constantBook = (): AlertRuleInput[] =>
  symbols.flatMap((symbol, i) => [
    ...[1, 2, 3, 4].flatMap((level) => [
      priceLevel(symbol, i, 'up', level),
      priceLevel(symbol, i, 'down', level),
    ]),
    ...rsiRules(symbol, i),
  ]);
/** mixed: 4 price levels, 2 RSI rules and 4 rules comparing two series. */
const mixedBook = (): AlertRuleInput[] =>
  symbols.flatMap((symbol, i) => [
    ...[1, 2].flatMap((level) => [priceLevel(symbol, i, 'up', level), priceLevel(symbol, i, 'down', level)]),
    ...rsiRules(symbol, i),
    ...seriesRules(symbol, i),
  ]);

// Final bars are kept (in typed columns, grown by chunks) to replay the same indicator workload through both
// libraries; not with --engine-only.
const FINAL_FIELDS = ['series', 'open', 'high', 'low', 'close', 'volume', 'openTime'] as const;
const FINALS_CHUNK = 65536;
const finals = { length: 0, chunks: [] as Float64Array[][] };
const keepFinal = (series: number, bar: BarView) => {
  const row = finals.length % FINALS_CHUNK;
  if (row === 0) finals.chunks.push(FINAL_FIELDS.map(() => new Float64Array(FINALS_CHUNK)));
  const [ids, open, high, low, close, volume, openTime] = finals.chunks[finals.chunks.length - 1] ?? [];
  if (!ids || !open || !high || !low || !close || !volume || !openTime) return;
  ids[row] = series;
  open[row] = bar.open;
  high[row] = bar.high;
  low[row] = bar.low;
  close[row] = bar.close;
  volume[row] = bar.volume;
  openTime[row] = bar.openTime;
  finals.length++;
};
const finalsBytes = () => finals.chunks.length * FINAL_FIELDS.length * FINALS_CHUNK * 8;
const finalAt = (index: number, field: (typeof FINAL_FIELDS)[number]): number =>
  finals.chunks[Math.floor(index / FINALS_CHUNK)]?.[FINAL_FIELDS.indexOf(field)]?.[index % FINALS_CHUNK] ?? 0;
/** symbol → interval → series id, without building a key string per bar (the sink should cost little) */
const seriesIds = new Map<string, Map<string, number>>();
let seriesCount = 0;
/** the indicator workload replays the final bars of the first engine run only */
const keepFinals = { on: !values['engine-only'] };
const counts = { bars: 0, finalBars: 0, indicators: 0, alerts: 0, late: 0 };
const digestRestore = values['digest-restore'];
const digesting = values.digest || digestRestore;
/** the current book's digest with --digest */
let digest: EngineDigest | null = null;
const output: EngineOutput = {
  bar(bar) {
    counts.bars++;
    digest?.bar(bar);
    if (!bar.final) return;
    counts.finalBars++;
    if (!keepFinals.on) return;
    let byInterval = seriesIds.get(bar.symbol);
    if (!byInterval) {
      byInterval = new Map();
      seriesIds.set(bar.symbol, byInterval);
    }
    let id = byInterval.get(bar.interval);
    if (id === undefined) {
      id = seriesCount++;
      byInterval.set(bar.interval, id);
    }
    keepFinal(id, bar);
  },
  indicator(value) {
    counts.indicators++;
    digest?.indicator(value);
  },
  alert(event) {
    counts.alerts++;
    digest?.alert(event);
  },
  late(late) {
    counts.late++;
    digest?.lateTick(late);
  },
};

const engineRows: Record<string, string | number>[] = [];
for (const book of books) {
  const rules = book === 'mixed' ? mixedBook() : constantBook();
  const series = rules.filter((rule) => seriesOfThreshold(rule)).length;
  counts.bars = counts.finalBars = counts.indicators = counts.alerts = counts.late = 0;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const config: EngineConfigInput = {
    bars: { intervals: ['1s', '1m', '1h'], emptyIntervals: 'skip' },
    indicators: INDICATORS,
    liveBarThrottleMs: 0,
  };
  let engine = new MarketEngine(config, output, rules);
  digest = digesting ? new EngineDigest() : null;
  /** --digest: snapshots before ticks 1/5, 2/5, 3/5 and 4/5 of the feed */
  const snapshotEvery = Math.max(1, Math.floor(tickCount / 5));
  let nextSnapshotAt = digest ? snapshotEvery : Number.POSITIVE_INFINITY;

  const run = createFeed(feedOptions);
  const { chunk } = run;
  gc();
  const before = process.memoryUsage();
  // The clocks run only while the engine takes a chunk's ticks, not while the next chunk is generated.
  let engineNs = 0n;
  let cpuMicros = 0;
  // Async so that GC entries, delivered on a later timer turn, reach measureGc's observer before it stops.
  const { gcMs } = await measureGc(async () => {
    let i = 0;
    while (run.fill() > 0) {
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      for (let row = 0; row < chunk.length; row++, i++) {
        if (i === nextSnapshotAt && digest) {
          const snapshot = engine.snapshot();
          digest.snapshot(snapshot);
          if (digestRestore) {
            const bytes = encodeEngineSnapshot(snapshot);
            engine = MarketEngine.restore(config, output, decodeEngineSnapshot(bytes));
          }
          nextSnapshotAt += snapshotEvery;
        }
        const tick: TradeTick = {
          kind: 'trade',
          venue: 'synthetic',
          symbol: symbols[chunk.symbol[row] ?? 0] ?? '',
          tradeId: String(i),
          timeUs: chunk.timeUs[row] ?? 0,
          price: (chunk.cents[row] ?? 0) / 100,
          size: (chunk.milliSize[row] ?? 0) / 1000,
          aggressor: chunk.buy[row] === 1 ? 'buy' : 'sell',
        };
        engine.add(tick);
      }
      if (i === tickCount) engine.flush();
      engineNs += process.hrtime.bigint() - started;
      const cpu = process.cpuUsage(cpuBefore);
      cpuMicros += cpu.user + cpu.system;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  const engineSeconds = Number(engineNs) / 1e9;
  keepFinals.on = false;
  const after = process.memoryUsage();
  gc();
  const kept = process.memoryUsage().heapUsed - heapBefore;
  const cpuSeconds = cpuMicros / 1e6;
  engineRows.push({
    book,
    rules: rules.length,
    'series rules': series,
    'ticks/s': Math.round(tickCount / engineSeconds),
    'ns/tick': Math.round((engineSeconds * 1e9) / tickCount),
    seconds: engineSeconds,
    'CPU ns/tick': Math.round((cpuSeconds * 1e9) / tickCount),
    'bar updates': counts.bars,
    'final bars': counts.finalBars,
    'indicator values': counts.indicators,
    alerts: counts.alerts,
    'GC ms': Math.round(gcMs),
    'heap Δ MiB': Math.round(mib(after.heapUsed - before.heapUsed)),
    // what the engine holds after the run (rules, series, indicator and alert state), garbage collected
    'engine heap MiB': Math.round(mib(kept)),
    // the bench's own typed data: the feed's chunk and the final bars kept for the indicator workload
    'bench MiB': Math.round(mib(feedChunkBytes(chunk) + finalsBytes())),
    'RSS start MiB': Math.round(mib(rssAtStart)),
    'RSS before MiB': Math.round(mib(before.rss)),
    'RSS MiB': Math.round(mib(after.rss)),
  });
  if (digest) {
    const name = `${book} ${feed} ${tickCount} rate ${ratePerSecond}${digestRestore ? ' restored' : ''}`;
    for (const line of digest.lines()) process.stdout.write(`digest ${name}: ${line}\n`);
  }
}

printTable(
  `Engine: ${tickCount.toLocaleString()} ticks, ${symbolCount} symbols, 1s+1m+1h bars, 6 indicators, 10 rules per symbol (one core)`,
  engineRows,
);

if (values['engine-only']) process.exit(0);

// The same indicator workload — every final bar through the 6 indicators of its series, each bar also
// replaced twice (forming updates) — through ours and through trading-signals.
type Runner = { add(bar: BarInput): void; replace(bar: BarInput): void };
const ours = (): Runner => {
  const list: Indicator[] = INDICATORS.map((spec) => createIndicator(spec));
  return {
    add: (bar) => {
      for (const indicator of list) indicator.add(bar);
    },
    replace: (bar) => {
      for (const indicator of list) indicator.replace(bar);
    },
  };
};
const theirs = (): Runner => {
  const sma = new SMA(20);
  const ema = new EMA(20);
  const rsi = new RSI(14);
  const macd = new MACD(new EMA(12), new EMA(26), new EMA(9));
  const bbands = new BollingerBands(20, 2);
  const atr = new ATR(14);
  const update = (bar: BarInput, replace: boolean) => {
    sma.update(bar.close, replace);
    ema.update(bar.close, replace);
    rsi.update(bar.close, replace);
    macd.update(bar.close, replace);
    bbands.update(bar.close, replace);
    atr.update(bar, replace);
  };
  return { add: (bar) => update(bar, false), replace: (bar) => update(bar, true) };
};

const indicatorWorkload = (make: () => Runner) => {
  const runners: Runner[] = Array.from({ length: seriesCount }, make);
  const bar = { open: 0, high: 0, low: 0, close: 0, volume: 0, openTime: 0 };
  const started = process.hrtime.bigint();
  for (let i = 0; i < finals.length; i++) {
    const runner = runners[finalAt(i, 'series')];
    if (!runner) continue;
    bar.open = finalAt(i, 'open');
    bar.high = finalAt(i, 'high');
    bar.low = finalAt(i, 'low');
    bar.close = finalAt(i, 'close');
    bar.volume = finalAt(i, 'volume');
    bar.openTime = finalAt(i, 'openTime');
    runner.add(bar);
    runner.replace(bar);
    runner.replace(bar);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
};

const updates = finals.length * 3 * INDICATORS.length;
const oursSeconds = indicatorWorkload(ours);
const theirsSeconds = indicatorWorkload(theirs);
printTable(`Indicator workload: ${finals.length.toLocaleString()} bars × (add + 2 replace) × 6 indicators`, [
  {
    library: 'nexural',
    seconds: oursSeconds,
    'updates/s': Math.round(updates / oursSeconds),
    'ns/update': (oursSeconds * 1e9) / updates,
  },
  {
    library: 'trading-signals 8',
    seconds: theirsSeconds,
    'updates/s': Math.round(updates / theirsSeconds),
    'ns/update': (theirsSeconds * 1e9) / updates,
  },
  {
    library: 'ratio (theirs / ours)',
    seconds: theirsSeconds / oursSeconds,
    'updates/s': '',
    'ns/update': '',
  },
]);

/**
 * npm run bench:snapshot — size and time of a MarketEngine snapshot with 1,000 symbols × 3 intervals
 * (1s, 1m, 1h) × 6 indicators and 10,000 alert rules, warmed by synthetic ticks over 90 minutes of event
 * time. v8 (the format the engine uses) against JSON of the same value. Printed, never asserted.
 *
 *   npm run bench:snapshot -- [--symbols 1000] [--ticks 600000] [--repeat 5]
 */
import { parseArgs } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { gzipSync } from 'node:zlib';
import type { EngineOutput } from '../pipeline/engine/engine-output.js';
import {
  decodeEngineSnapshot,
  type EngineSnapshot,
  encodeEngineSnapshot,
} from '../pipeline/engine/engine-snapshot.js';
import { MarketEngine } from '../pipeline/engine/market-engine.js';
import type { AlertRuleInput } from '../schemas/alert-rule.js';
import { mib, printTable } from './bench-table.js';

const { values } = parseArgs({
  options: {
    symbols: { type: 'string', default: '1000' },
    ticks: { type: 'string', default: '600000' },
    repeat: { type: 'string', default: '5' },
  },
});
const symbolCount = Number(values.symbols);
const tickCount = Number(values.ticks);
const repeat = Number(values.repeat);
const INDICATORS = ['sma(20)', 'ema(20)', 'rsi(14)', 'macd(12,26,9)', 'bbands(20,2)', 'atr(14)'];
const START_MS = Date.UTC(2024, 7, 8, 22, 30);
const SPAN_MS = 90 * 60_000; // 90 one-minute bars per symbol: every indicator is warm on 1m

let seed = 0x9e3779b9;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};

const symbols = Array.from({ length: symbolCount }, (_, i) => `SYM${String(i).padStart(4, '0')}`);
const startPrice = symbols.map((_, i) => 10 + ((i * 7919) % 5000));
const rules: AlertRuleInput[] = symbols.flatMap((symbol, i) => {
  const base = startPrice[i] ?? 1;
  const level = (step: number) => Math.round(base * (1 + step * 0.002) * 100) / 100;
  return [
    ...[-4, -3, -2, -1, 1, 2, 3, 4].map(
      (step): AlertRuleInput => ({
        id: `${symbol}-x${step}`,
        owner: `user${i % 50}`,
        symbol,
        interval: '1m',
        source: { kind: 'price' },
        condition: { operator: 'crossing', value: level(step) },
        frequency: 'once_per_bar',
      }),
    ),
    {
      id: `${symbol}-rsi`,
      owner: `user${i % 50}`,
      symbol,
      interval: '1m',
      source: { kind: 'indicator', spec: 'rsi(14)' },
      condition: { operator: 'crossing', value: 50 },
      frequency: 'once_per_bar_close',
    },
    {
      id: `${symbol}-move`,
      owner: `user${i % 50}`,
      symbol,
      interval: '1m',
      source: { kind: 'price' },
      condition: { operator: 'moving_up_percent', percent: 0.3, bars: 10 },
      frequency: 'once_per_bar_close',
    },
  ];
});

const ignore = () => {};
const output: EngineOutput = { bar: ignore, indicator: ignore, alert: ignore, late: ignore };
const config = {
  bars: { intervals: ['1s', '1m', '1h'], emptyIntervals: 'skip' as const },
  indicators: INDICATORS,
};
const engine = new MarketEngine(config, output, rules);
const price = Float64Array.from(startPrice);
for (let i = 0; i < tickCount; i++) {
  const s = Math.floor(random() * symbolCount);
  price[s] = (price[s] ?? 1) * Math.exp((random() - 0.5) * 0.004);
  engine.add({
    kind: 'trade',
    venue: 'synthetic',
    symbol: symbols[s] ?? '',
    tradeId: String(i),
    timeUs: (START_MS + Math.floor((i / tickCount) * SPAN_MS)) * 1000,
    price: Math.max(0.01, Math.round((price[s] ?? 1) * 100) / 100),
    size: Math.max(1, Math.round(random() * 5000)) / 1000,
    aggressor: (i & 1) === 0 ? 'buy' : 'sell',
  });
}

/**
 * Median wall time (ms) of `repeat` runs, the mean CPU time (the process's, GC threads included: wall time is
 * noisy on a shared 2-core machine), and the last result.
 */
function timed<T>(run: () => T): { ms: number; cpuMs: number; result: T } {
  const times: number[] = [];
  let result: T = run();
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < repeat; i++) {
    const started = process.hrtime.bigint();
    result = run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const cpu = process.cpuUsage(cpuBefore);
  times.sort((a, b) => a - b);
  return {
    ms: times[Math.floor(times.length / 2)] ?? 0,
    cpuMs: (cpu.user + cpu.system) / 1000 / repeat,
    result,
  };
}

// JSON needs a replacer: typed arrays become arrays, NaN/±∞ strings (JSON has no such numbers).
const toJson = (value: unknown) =>
  JSON.stringify(value, (_key, item: unknown) =>
    item instanceof Float64Array
      ? Array.from(item)
      : typeof item === 'number' && !Number.isFinite(item)
        ? String(item)
        : item,
  );

const capture = timed(() => engine.snapshot());
const snapshot: EngineSnapshot = capture.result;
const encode = timed(() => encodeEngineSnapshot(snapshot));
const bytes = encode.result;
const decode = timed(() => deserialize(bytes) as unknown);
const validate = timed(() => decodeEngineSnapshot(bytes));
const restore = timed(() => MarketEngine.restore(config, output, snapshot));
const json = timed(() => toJson(snapshot));
const jsonParse = timed(() => JSON.parse(json.result) as unknown);

const slots = snapshot.series.reduce(
  (sum, { intervals }) => sum + intervals.reduce((n, series) => n + series.slots.length, 0),
  0,
);
const row = (
  step: string,
  v8: { ms: number; cpuMs: number } | null,
  json: { ms: number; cpuMs: number } | null,
) => ({
  step,
  'v8 ms': v8?.ms ?? '—',
  'v8 CPU ms': v8?.cpuMs ?? '—',
  'JSON ms': json?.ms ?? '—',
  'JSON CPU ms': json?.cpuMs ?? '—',
});
printTable(
  `Engine snapshot: ${symbolCount.toLocaleString()} symbols × 3 intervals × ${INDICATORS.length} indicators (${slots.toLocaleString()} indicator states), ${rules.length.toLocaleString()} rules, after ${tickCount.toLocaleString()} ticks; median wall / mean CPU of ${repeat}`,
  [
    row('engine.snapshot() (capture)', capture, capture),
    row('encode to bytes', encode, json),
    row('decode bytes', decode, jsonParse),
    row('decode + validate (zod)', validate, null),
    row('MarketEngine.restore()', restore, null),
  ],
);
printTable('Size', [
  {
    format: 'v8 (used)',
    MiB: mib(bytes.length),
    'gzip MiB': mib(gzipSync(bytes).length),
  },
  {
    format: 'JSON',
    MiB: mib(Buffer.byteLength(json.result)),
    'gzip MiB': mib(gzipSync(json.result).length),
  },
]);

const part = (value: unknown) => mib(serialize(value).length);
printTable('Where the v8 bytes go', [
  {
    'bars MiB': part(snapshot.bars),
    'indicator states MiB': part(snapshot.series),
    'alert rules + series MiB': part(snapshot.alerts),
    'bytes per indicator state': Math.round(serialize(snapshot.series).length / slots),
  },
]);

import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { AlertRuleInput } from '../../schemas/alert-rule.js';
import type { TradeTick } from '../../schemas/tick.js';
import { STORM_GUARD_MAX_FIRINGS, STORM_GUARD_WINDOW_MS } from '../alerts/rule-runtime.js';
import { readTradeFile } from '../readers/read-trades.js';
import { decodeEngineSnapshot, encodeEngineSnapshot } from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';

/*
 * Numeric-threshold rules on 50-trade bars, where 25 of the 399 bars open in the same millisecond as the bar
 * before them: each bar is (openTime, seq), so every bar close is evaluated and once_per_bar tells those bars
 * apart. Expected firings come from the trades alone (bar i = trades 50i … 50i+49), operators and the storm
 * guard written out here.
 */

// Binance spot BTCUSDT trades, 2024-08-08 23:54:15 → 2024-08-09 00:05:05, 19,904 trades (../shared/data/README.md).
const spotTradesFile = fileURLToPath(
  new URL(
    '../../../shared/data/binance_spot_BTCUSDT_trades_2024-08-08T235415Z_2024-08-09T000505Z.csv',
    import.meta.url,
  ),
);
const TRADES_PER_BAR = 50;

let ticks: TradeTick[] = [];
beforeAll(async () => {
  for await (const tick of readTradeFile(spotTradesFile, {
    format: 'binance-trades',
    venue: 'binance',
    symbol: 'BTCUSDT',
  })) {
    ticks.push(tick);
  }
  ticks = ticks.slice();
});

const msOf = (tick: TradeTick): number => Math.floor(tick.timeUs / 1000);

/** Price levels every `step` dollars across the file's range: each a crossing rule. */
function levels(step: number): number[] {
  const prices = ticks.map((tick) => tick.price);
  const low = Math.ceil(Math.min(...prices) / step) * step;
  const high = Math.max(...prices);
  const out: number[] = [];
  for (let level = low; level < high; level += step) out.push(level);
  return out;
}

/** Storm guard as documented: a firing with 15 firings before it within 3 minutes stops the rule. */
function guarded(times: readonly number[]): number {
  for (let index = STORM_GUARD_MAX_FIRINGS; index < times.length; index++) {
    if ((times[index] as number) - (times[index - STORM_GUARD_MAX_FIRINGS] as number) < STORM_GUARD_WINDOW_MS)
      return index;
  }
  return times.length;
}

function rulesFor(levelList: readonly number[], frequency: 'once_per_bar' | 'once_per_bar_close') {
  return levelList.flatMap((level) =>
    (['crossing_up', 'crossing_down'] as const).map(
      (operator): AlertRuleInput => ({
        id: `${operator}-${Math.round(level * 10)}-${frequency}`,
        owner: 'test',
        symbol: 'BTCUSDT',
        interval: '50t',
        source: { kind: 'price' },
        condition: { operator, value: level },
        frequency,
      }),
    ),
  );
}

const crosses = (operator: string, before: number, now: number, level: number): boolean =>
  operator === 'crossing_up' ? before <= level && now > level : before >= level && now < level;

function fired(rules: readonly AlertRuleInput[], split?: number): AlertEvent[] {
  const events: AlertEvent[] = [];
  const config = { bars: { intervals: ['50t'], firstBar: 'keep' as const, emptyIntervals: 'skip' as const } };
  const output = {
    bar: () => {},
    indicator: () => {},
    alert: (event: AlertEvent) => events.push(event),
    late: () => {},
  };
  let engine = new MarketEngine(config, output, rules);
  for (const [index, tick] of ticks.entries()) {
    if (index === split) {
      const snapshot = decodeEngineSnapshot(encodeEngineSnapshot(engine.snapshot()));
      engine = MarketEngine.restore(config, output, snapshot);
    }
    engine.add(tick);
  }
  engine.flush();
  return events.filter((event) => event.kind === 'fired');
}

describe('activity bars opening in the same millisecond are distinct bars for alert rules (real trades)', () => {
  it('the file has 399 50-trade bars, 25 opening in the same ms as the bar before', () => {
    const opens: number[] = [];
    for (let index = 0; index < ticks.length; index += TRADES_PER_BAR)
      opens.push(msOf(ticks[index] as TradeTick));
    expect(opens.length).toBe(399);
    expect(opens.filter((open, index) => index > 0 && open === opens[index - 1]).length).toBe(25);
  });

  it('once_per_bar_close crossing rules see every one of the 399 closes', () => {
    const closes: { price: number; time: number }[] = [];
    for (let index = 0; index < ticks.length; index += TRADES_PER_BAR) {
      const last = ticks[Math.min(index + TRADES_PER_BAR, ticks.length) - 1] as TradeTick;
      closes.push({ price: last.price, time: msOf(last) });
    }
    expect(closes.length).toBe(399);
    const levelList = levels(2.5);
    const rules = rulesFor(levelList, 'once_per_bar_close');
    let expected = 0;
    for (const rule of rules) {
      const level = Number('value' in rule.condition ? rule.condition.value : Number.NaN);
      const times: number[] = [];
      for (let bar = 1; bar < closes.length; bar++) {
        const before = closes[bar - 1] as { price: number };
        const now = closes[bar] as { price: number; time: number };
        if (crosses(rule.condition.operator, before.price, now.price, level)) times.push(now.time);
      }
      expected += guarded(times);
    }
    const events = fired(rules);
    expect(expected).toBeGreaterThan(300);
    expect(events.length).toBe(expected);
    // Restored mid-file, between two bars opening in the same ms, the engine fires the same alerts.
    expect(fired(rules, sameMsSplit()).map((event) => JSON.stringify(event))).toEqual(
      events.map((event) => JSON.stringify(event)),
    );
  });

  it('once_per_bar greater_than/less_than rules fire once in each bar, same-ms bars included', () => {
    const rules = levels(2.5).flatMap((level) =>
      (['greater_than', 'less_than'] as const).map(
        (operator): AlertRuleInput => ({
          id: `${operator}-${Math.round(level * 10)}`,
          owner: 'test',
          symbol: 'BTCUSDT',
          interval: '50t',
          source: { kind: 'price' },
          condition: { operator, value: level },
          frequency: 'once_per_bar',
        }),
      ),
    );
    let expected = 0;
    for (const rule of rules) {
      const level = Number('value' in rule.condition ? rule.condition.value : Number.NaN);
      const above = rule.condition.operator === 'greater_than';
      const times: number[] = [];
      for (let start = 0; start < ticks.length; start += TRADES_PER_BAR) {
        const bar = ticks.slice(start, start + TRADES_PER_BAR);
        const first = bar.find((tick) => (above ? tick.price > level : tick.price < level));
        if (first) times.push(msOf(first));
      }
      expected += guarded(times);
    }
    const events = fired(rules);
    expect(expected).toBeGreaterThan(1_000);
    expect(events.length).toBe(expected);
    expect(fired(rules, sameMsSplit()).map((event) => JSON.stringify(event))).toEqual(
      events.map((event) => JSON.stringify(event)),
    );
  });

  it('once_per_bar fires in both bars of each same-ms pair (constant and series thresholds)', () => {
    const rules: AlertRuleInput[] = [
      {
        id: 'constant',
        owner: 'test',
        symbol: 'BTCUSDT',
        interval: '50t',
        source: { kind: 'price' },
        condition: { operator: 'greater_than', value: 0 },
        frequency: 'once_per_bar',
      },
      {
        id: 'series',
        owner: 'test',
        symbol: 'BTCUSDT',
        interval: '50t',
        source: { kind: 'price' },
        condition: { operator: 'less_than', value: { kind: 'bar', field: 'high' } },
        frequency: 'once_per_bar',
      },
    ];
    const second = sameMsSplit() - 1;
    const pair = ticks.slice(second - TRADES_PER_BAR, second + TRADES_PER_BAR);
    // A series rule holds once a trade is below its bar's high so far: count those bars independently.
    const seriesBars = [pair.slice(0, TRADES_PER_BAR), pair.slice(TRADES_PER_BAR)].filter((bar) =>
      bar.some(
        (tick, index) => index > 0 && tick.price < Math.max(...bar.slice(0, index + 1).map((t) => t.price)),
      ),
    ).length;
    const events: AlertEvent[] = [];
    const engine = new MarketEngine(
      { bars: { intervals: ['50t'], firstBar: 'keep', emptyIntervals: 'skip' } },
      { bar: () => {}, indicator: () => {}, alert: (event) => events.push(event), late: () => {} },
      rules,
    );
    for (const tick of pair) engine.add(tick);
    engine.flush();
    const firings = events.filter((event) => event.kind === 'fired');
    expect(firings.filter((event) => event.ruleId === 'constant').length).toBe(2);
    expect(seriesBars).toBe(2);
    expect(firings.filter((event) => event.ruleId === 'series').length).toBe(seriesBars);
  });
});

/** The index of the first trade of the first bar opening in the same ms as the bar before, plus one trade. */
function sameMsSplit(): number {
  for (let index = TRADES_PER_BAR; index < ticks.length; index += TRADES_PER_BAR) {
    if (msOf(ticks[index] as TradeTick) === msOf(ticks[index - TRADES_PER_BAR] as TradeTick))
      return index + 1;
  }
  throw new Error('no same-ms bar pair');
}

import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { TradeTick } from '../../schemas/tick.js';
import { MarketEngine } from './market-engine.js';
import { readUmBtcusdtTicks, recordingOutput } from './testing/engine-test-kit.js';

let ticks: TradeTick[] = [];
beforeAll(async () => {
  ticks = await readUmBtcusdtTicks();
});

const record = recordingOutput;

const rule = (id: string, symbol: string, spec: string, output: string, extra: object) => ({
  id,
  owner: 'u',
  symbol,
  interval: '5s',
  source: { kind: 'indicator', spec, output },
  ...extra,
});

/** Bar-close rules only: their indicators skip forming bars. */
const closeRules = [
  rule('rsi-close', 'BTCUSDT', 'rsi(5)', 'value', {
    condition: { operator: 'crossing_up', value: 60 },
    frequency: 'once_per_bar_close',
  }),
  // two outputs that warm up on different bars, through `*`
  rule('macd-close', '*', 'macd(4,9,3)', 'macd', {
    condition: { operator: 'crossing', value: 0 },
    frequency: 'once_per_bar_close',
  }),
  rule('signal-close', '*', 'macd(4,9,3)', 'signal', {
    condition: { operator: 'crossing_down', value: 0 },
    frequency: 'once_per_bar_close',
  }),
];
/** Intrabar rules that never fire, on the same series: with them every forming bar computes the indicators. */
const keepers = [
  rule('keep-rsi', 'BTCUSDT', 'rsi(5)', 'value', { condition: { operator: 'crossing_up', value: 1e9 } }),
  rule('keep-macd', 'BTCUSDT', 'macd(4,9,3)', 'macd', { condition: { operator: 'crossing_up', value: 1e9 } }),
  rule('keep-signal', 'BTCUSDT', 'macd(4,9,3)', 'signal', {
    condition: { operator: 'crossing_up', value: 1e9 },
  }),
];
const intrabar = rule('rsi-intrabar', 'BTCUSDT', 'rsi(5)', 'value', {
  condition: { operator: 'crossing', value: 50 },
  frequency: 'every_time',
});

describe('MarketEngine: indicators only bar-close rules watch', () => {
  it('skip forming bars with the same outputs, snapshots and later intrabar rules as computing them', () => {
    const config = { bars: { intervals: ['5s', '1m'], firstBar: 'keep' as const }, indicators: ['sma(3)'] };
    const skipping = record();
    const computing = record();
    const lazy = new MarketEngine(config, skipping.output, closeRules);
    const eager = new MarketEngine(config, computing.output, [...closeRules, ...keepers]);
    const upsertAt = ticks.length >> 1;
    let compared = 0;
    for (const [index, tick] of ticks.entries()) {
      if (index === upsertAt) {
        // mid-bar: the new rule's first point must cross from the forming value the skip did not compute
        lazy.upsertRule(intrabar);
        eager.upsertRule(intrabar);
      }
      lazy.add(tick);
      eager.add(tick);
      if (index % 997 === 500) {
        const a = lazy.snapshot();
        const b = eager.snapshot();
        expect(a.series).toEqual(b.series);
        expect(a.alerts.series).toEqual(b.alerts.series);
        compared++;
      }
    }
    lazy.flush();
    eager.flush();
    expect(compared).toBeGreaterThan(10);
    expect(skipping.bars).toEqual(computing.bars);
    expect(skipping.indicators).toEqual(computing.indicators);
    expect(skipping.alerts).toEqual(computing.alerts);
    const fired = (alerts: AlertEvent[], id: string) =>
      alerts.filter((event) => event.kind === 'fired' && event.ruleId === id).length;
    expect(fired(skipping.alerts, 'rsi-close')).toBeGreaterThan(0);
    expect(fired(skipping.alerts, 'macd-close')).toBeGreaterThan(0);
    expect(fired(skipping.alerts, 'signal-close')).toBeGreaterThan(0);
    expect(fired(skipping.alerts, 'rsi-intrabar')).toBeGreaterThan(0);
    // fewer points: the forming bars' values of the bar-close series were not computed
    expect(lazy.alertEngine.stats.points).toBeLessThan(eager.alertEngine.stats.points);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { TradeTick } from '../../schemas/tick.js';
import type { EngineSnapshot } from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';
import { readUmBtcusdtTicks, recordingOutput } from './testing/engine-test-kit.js';

let ticks: TradeTick[] = [];
beforeAll(async () => {
  ticks = await readUmBtcusdtTicks();
});

const record = recordingOutput;

const common = { owner: 'u', symbol: 'BTCUSDT', interval: '5s' } as const;
const indicator = (spec: string, output: string) => ({ kind: 'indicator', spec, output }) as const;
const MACD = 'macd(4,9,3)';
const BANDS = 'bbands(6,1.5)';
/** configured, so both engines lay out the same slots in the same order (rule-only slots follow the rules) */
const INDICATORS = ['ema(3)', 'sma(4)', MACD, BANDS];

/**
 * The bench's mixed book on 5 s bars: price against an SMA intrabar, then two groups of bar-close rules that read
 * their series through the frame (MACD against its signal, a pair; the close against the bands, a channel whose
 * upper edge is the third value the pairs store): MACD and the bands are lazy slots.
 */
const rules = [
  {
    ...common,
    id: 'over-sma',
    source: { kind: 'price' },
    condition: { operator: 'crossing_up', value: indicator('sma(4)', 'value') },
  },
  {
    ...common,
    id: 'macd-signal',
    source: indicator(MACD, 'macd'),
    condition: { operator: 'crossing', value: indicator(MACD, 'signal') },
    frequency: 'once_per_bar_close',
  },
  {
    ...common,
    id: 'outside-bands',
    source: { kind: 'bar', field: 'close' },
    condition: {
      operator: 'outside_channel',
      lower: indicator(BANDS, 'lower'),
      upper: indicator(BANDS, 'upper'),
    },
    frequency: 'once_per_bar_close',
  },
];
/** An intrabar rule reading the signal and the upper band that never fires: with it both are computed on every update. */
const keeper = {
  ...common,
  id: 'keep',
  source: indicator(MACD, 'signal'),
  condition: { operator: 'crossing_up', value: indicator(BANDS, 'upper') },
};
/** Added mid-bar: its first comparison is with the MACD group's last values, which the lazy engine settled. */
const intrabar = {
  ...common,
  id: 'macd-intrabar',
  source: indicator(MACD, 'macd'),
  condition: { operator: 'crossing', value: indicator(MACD, 'signal') },
  frequency: 'every_time',
};

/** The parts of a snapshot both engines have (the keeper's group and the state of its source left out). */
const comparable = (snapshot: EngineSnapshot) => ({
  bars: snapshot.bars,
  series: snapshot.series,
  alertSeries: snapshot.alerts.series.filter((state) => state.series !== `${MACD}.signal`),
  seriesGroups: snapshot.alerts.seriesGroups.filter((group) => !group.key.startsWith(`${MACD}.signal`)),
});

describe('MarketEngine: lazy slots (read only by bar-close groups of a frame)', () => {
  it('skip forming updates with the same outputs, snapshots (the groups’ last values too) and stats as computing them', () => {
    const config = { bars: { intervals: ['5s', '1m'], firstBar: 'keep' as const }, indicators: INDICATORS };
    const skipping = record();
    const computing = record();
    let lazy = new MarketEngine(config, skipping.output, rules);
    const eager = new MarketEngine(config, computing.output, [...rules, keeper]);
    const upsertAt = Math.floor(ticks.length * 0.7);
    const restoreAt = Math.floor(ticks.length * 0.4);
    let compared = 0;
    for (const [index, tick] of ticks.entries()) {
      if (index === upsertAt) {
        lazy.upsertRule(intrabar);
        eager.upsertRule(intrabar);
      }
      if (index === restoreAt) lazy = MarketEngine.restore(config, skipping.output, lazy.snapshot());
      lazy.add(tick);
      eager.add(tick);
      if (index % 997 === 500) {
        if (index % 2 === 0) {
          // a watermark closes the bar: a snapshot then sees the groups' values of its last forming update
          const ms = Math.floor(tick.timeUs / 1000) + 5000;
          lazy.advanceWatermark(ms);
          eager.advanceWatermark(ms);
        }
        expect(comparable(lazy.snapshot())).toEqual(comparable(eager.snapshot()));
        compared++;
      }
    }
    lazy.flush();
    eager.flush();
    expect(compared).toBeGreaterThan(10);
    expect(skipping.bars).toEqual(computing.bars);
    expect(skipping.indicators).toEqual(computing.indicators);
    expect(skipping.alerts).toEqual(computing.alerts);
    const fired = (id: string) =>
      skipping.alerts.filter((event) => event.kind === 'fired' && event.ruleId === id).length;
    expect(fired('macd-signal')).toBeGreaterThan(0);
    expect(fired('outside-bands')).toBeGreaterThan(0);
    expect(fired('macd-intrabar')).toBeGreaterThan(0);
    expect(computing.alerts.some((event) => event.ruleId === 'keep')).toBe(false);
  });

  it('count the points of the updates they skip', () => {
    const config = { bars: { intervals: ['5s'], firstBar: 'keep' as const }, indicators: INDICATORS };
    const lazy = new MarketEngine(config, record().output, rules);
    const eager = new MarketEngine(config, record().output, [...rules, keeper]);
    for (const tick of ticks) {
      lazy.add(tick);
      eager.add(tick);
    }
    lazy.snapshot();
    eager.snapshot();
    expect(lazy.alertEngine.stats.points).toBe(eager.alertEngine.stats.points);
  });
});

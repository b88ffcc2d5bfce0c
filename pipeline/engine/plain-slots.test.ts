import { beforeAll, describe, expect, it } from 'vitest';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { TradeTick } from '../../schemas/tick.js';
import type { EngineSnapshot } from './engine-snapshot.js';
import { MarketEngine } from './market-engine.js';
import { readUmBtcusdtTicks, recordingOutput } from './testing/engine-test-kit.js';

/** The UM BTCUSDT trades, every 40th moved 150 trades (~2.4 s) later: late ticks, within the grace or past it. */
let ticks: TradeTick[] = [];
beforeAll(async () => {
  ticks = (await readUmBtcusdtTicks())
    .map((tick, index) => ({ tick, at: index % 40 === 7 ? index + 150.5 : index }))
    .sort((a, b) => a.at - b.at)
    .map(({ tick }) => tick);
});

const SIX = ['sma(3)', 'ema(4)', 'rsi(5)', 'macd(4,9,3)', 'bbands(5,2)', 'atr(3)'];
/** An indicator that keeps its state in an object, not the series' block: no series of it has plain slots. */
const OBJECT_KIND = 'obv';

/** The six indicators' values only. */
const sixValues = (values: readonly IndicatorValue[]) => values.filter((value) => value.spec !== OBJECT_KIND);

/** A snapshot's series without the slots of OBJECT_KIND. */
const sixOf = (snapshot: EngineSnapshot) =>
  snapshot.series.map((entry) => ({
    ...entry,
    intervals: entry.intervals.map((series) => ({
      ...series,
      slots: series.slots.filter((slot) => slot.spec !== OBJECT_KIND),
    })),
  }));

/** An intrabar rule on the 5 s SMA, upserted mid-run and removed: its slot is watched for a while. */
const smaRule = {
  id: 'sma-intrabar',
  owner: 'u',
  symbol: 'BTCUSDT',
  interval: '5s',
  source: { kind: 'indicator', spec: 'sma(3)' },
  condition: { operator: 'crossing', value: 1e9 },
};

describe('MarketEngine: plain slots (no rule watches a series indicators)', () => {
  it('give the outputs and snapshots of slots read one by one, through revisions, a rule change and a restore', () => {
    const bars = {
      intervals: ['5s', '1m'],
      allowedLatenessMs: 500,
      graceMs: 3000,
      firstBar: 'keep' as const,
    };
    const plainConfig = { bars, indicators: SIX };
    const slotConfig = { bars, indicators: [...SIX, OBJECT_KIND] };
    const plainOut = recordingOutput();
    const slotOut = recordingOutput();
    let plain = new MarketEngine(plainConfig, plainOut.output);
    const bySlot = new MarketEngine(slotConfig, slotOut.output);
    let compared = 0;
    for (const [index, tick] of ticks.entries()) {
      if (index === Math.floor(ticks.length * 0.3)) {
        plain.upsertRule(smaRule);
        bySlot.upsertRule(smaRule);
      }
      if (index === Math.floor(ticks.length * 0.5)) {
        plain.removeRule(smaRule.id);
        bySlot.removeRule(smaRule.id);
      }
      if (index === Math.floor(ticks.length * 0.6)) {
        plain = MarketEngine.restore(plainConfig, plainOut.output, plain.snapshot());
      }
      plain.add(tick);
      bySlot.add(tick);
      if (index % 60 === 30) {
        // an external clock ahead of the trades: bars turn final before their last trades, which revise them
        const clock = Math.floor(tick.timeUs / 1000) + 2500;
        plain.advanceWatermark(clock);
        bySlot.advanceWatermark(clock);
      }
      if (index % 1499 === 700) {
        expect(sixOf(plain.snapshot())).toEqual(sixOf(bySlot.snapshot()));
        compared++;
      }
    }
    plain.flush();
    bySlot.flush();
    expect(compared).toBeGreaterThan(10);
    expect(plainOut.bars).toEqual(slotOut.bars);
    expect(plainOut.indicators).toEqual(sixValues(slotOut.indicators));
    // revised final bars: a final update that replaces the one before
    const revisedFinals = plainOut.bars.filter((bar) => /"final":true,"revision":[1-9]/.test(bar));
    expect(revisedFinals.length).toBeGreaterThan(0);
    expect(plainOut.indicators.length).toBeGreaterThan(300);
  });
});

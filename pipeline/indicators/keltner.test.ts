import { readFileSync } from 'node:fs';
import { KeltnerChannels } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import { createIndicator } from './registry.js';
import { readRealBars } from './testing/real-bars.js';

interface SingleOutputFixture {
  readonly cases: ReadonlyArray<{
    readonly spec: string;
    readonly data: { readonly file: string; readonly firstRow: number; readonly rows: number };
    readonly outputs: { readonly value: ReadonlyArray<number | null> };
  }>;
}
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`./fixtures/talib-${name}.json`, import.meta.url), 'utf8'),
  ) as SingleOutputFixture;

describe('keltner', () => {
  it('is TA-Lib EMA(30) ± 2 × TA-Lib ATR(14) on real bars (StockCharts definition, TA-Lib components)', () => {
    const emaCase = fixture('ema').cases.find((c) => c.spec === 'ema(30)');
    const atrCase = fixture('atr').cases.find(
      (c) => c.spec === 'atr(14)' && c.data.file === emaCase?.data.file,
    );
    if (!emaCase || !atrCase) throw new Error('fixtures for ema(30)/atr(14) missing');
    const keltner = createIndicator('keltner(30,2,14)');
    readRealBars(emaCase.data.file, emaCase.data.firstRow, emaCase.data.rows).forEach((bar, row) => {
      const result = keltner.add(bar);
      const ema = emaCase.outputs.value[row];
      const atr = atrCase.outputs.value[row];
      if (ema === null || ema === undefined || atr === null || atr === undefined) {
        expect(result).toBeNull();
        return;
      }
      expect(result).toEqual({ upper: ema + 2 * atr, middle: ema, lower: ema - 2 * atr });
    });
  });

  it('defaults to keltner(20,2,10) and is warm when EMA(20) is (bar 19)', () => {
    const keltner = createIndicator('keltner');
    const bars = readRealBars('binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv', 0, 25);
    expect(bars.map((bar) => keltner.add(bar)).findIndex((result) => result !== null)).toBe(19);
  });

  it('converges to trading-signals KeltnerChannels (first-price EMA seed, TR of bar 0) once warm-up fades', () => {
    const bars = readRealBars('nautilus/ftx_BTC-PERP_1m_20211231-20220201.csv', 0, 800);
    const ours = createIndicator('keltner(20,2,10)');
    const theirs = new KeltnerChannels({ emaInterval: 20, multiplier: 2, atrInterval: 10 });
    bars.forEach((bar, row) => {
      const result = ours.add(bar);
      const reference = theirs.add(bar);
      // Their seeds differ from TA-Lib's; the difference decays by (19/21)^n and (9/10)^n: gone by bar 500.
      if (row < 500 || result === null || typeof result === 'number' || reference === null) return;
      for (const band of ['upper', 'middle', 'lower'] as const) {
        expect(Math.abs((result[band] ?? 0) - reference[band]) / reference[band]).toBeLessThan(1e-9);
      }
    });
  });
});

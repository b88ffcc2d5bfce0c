import { describe, expect, it } from 'vitest';
import { strategyMetrics } from './metrics.js';
import type { RoundTrip } from './strategy-book.js';

const DAY = 86_400_000;
const trip = (pnl: number, entryTime: number, exitTime: number): RoundTrip => ({
  symbol: 'BTCUSDT',
  side: 'long',
  size: 1,
  entryTime,
  exitTime,
  entryPrice: 100,
  exitPrice: 100 + pnl,
  fees: 0,
  pnl,
  exitReason: 'signal',
});

describe('strategyMetrics against hand computation', () => {
  // equity 100 → 110 → 99 → 121 on daily bars
  const metrics = strategyMetrics({
    startingEquity: 100,
    equity: [
      { time: DAY, equity: 110 },
      { time: 2 * DAY, equity: 99 },
      { time: 3 * DAY, equity: 121 },
    ],
    trades: [trip(10, 0, DAY), trip(-5, DAY, DAY + DAY / 2), trip(3, 2 * DAY, 3 * DAY)],
    barMs: DAY,
    startTime: 0,
  });
  const returns = [0.1, -0.1, 121 / 99 - 1];

  it('return, CAGR, drawdown, calmar', () => {
    expect(metrics.total_return).toBeCloseTo(0.21, 12);
    const cagr = Math.exp((365 / 3) * Math.log(1.21)) - 1;
    expect((metrics.cagr ?? 0) / cagr).toBeCloseTo(1, 9);
    expect(metrics.max_drawdown).toBeCloseTo(11 / 110, 12); // peak 110 → 99
    expect((metrics.calmar ?? 0) / (cagr / 0.1)).toBeCloseTo(1, 9);
  });

  it('sharpe and sortino annualised by the daily interval (√365)', () => {
    const n = 3;
    const sum = returns.reduce((total, r) => total + r, 0);
    const sumSquares = returns.reduce((total, r) => total + r * r, 0);
    const variance = (sumSquares - (sum * sum) / n) / (n - 1); // the one-pass form, not the two-pass one
    expect(metrics.sharpe).toBeCloseTo((sum / n / Math.sqrt(variance)) * Math.sqrt(365), 9);
    expect(metrics.sortino).toBeCloseTo((sum / n / Math.sqrt(0.01 / 3)) * Math.sqrt(365), 9);
  });

  it('trade statistics and exposure', () => {
    expect(metrics.trades).toBe(3);
    expect(metrics.win_rate).toBeCloseTo(2 / 3, 12);
    expect(metrics.profit_factor).toBeCloseTo(13 / 5, 12);
    expect(metrics.expectancy).toBeCloseTo(8 / 3, 12);
    expect(metrics.exposure).toBeCloseTo(2.5 / 3, 12); // 1 + 0.5 + 1 day held of 3
  });

  it('undefined ratios are null: no trades, flat equity', () => {
    const flat = strategyMetrics({
      startingEquity: 100,
      equity: [
        { time: DAY, equity: 100 },
        { time: 2 * DAY, equity: 100 },
      ],
      trades: [],
      barMs: DAY,
      startTime: 0,
    });
    expect(flat).toMatchObject({
      total_return: 0,
      max_drawdown: 0,
      sharpe: null,
      sortino: null,
      calmar: null,
      win_rate: null,
      profit_factor: null,
      expectancy: null,
      exposure: 0,
      trades: 0,
    });
  });
});

import type { RoundTrip } from './strategy-book.js';

/** The metrics of one run; ratios that are undefined (no losses, zero deviation, no trades) are null. */
export interface StrategyMetrics {
  readonly total_return: number;
  readonly cagr: number | null;
  readonly max_drawdown: number;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
  readonly win_rate: number | null;
  readonly profit_factor: number | null;
  readonly expectancy: number | null;
  readonly exposure: number;
  readonly trades: number;
}

const YEAR_MS = 365 * 86_400_000;
const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * Metrics of an equity curve (one point per final bar, `startingEquity` before the first) and its round
 * trips; formulas in consumers/strategy/README.md. `barMs` is the interval's length for annualisation (time
 * bars), or null for activity bars (then bars per year = bars observed ÷ years elapsed).
 */
export function strategyMetrics(input: {
  readonly startingEquity: number;
  readonly equity: readonly { readonly time: number; readonly equity: number }[];
  readonly trades: readonly RoundTrip[];
  readonly barMs: number | null;
  /** start of the data (ms): the first trade's time */
  readonly startTime: number;
}): StrategyMetrics {
  const curve = [input.startingEquity, ...input.equity.map((point) => point.equity)];
  const end = curve[curve.length - 1] ?? input.startingEquity;
  const endTime = input.equity.at(-1)?.time ?? input.startTime;
  const years = (endTime - input.startTime) / YEAR_MS;
  const returns = curve.slice(1).map((value, index) => value / (curve[index] ?? value) - 1);
  const perYear = input.barMs !== null ? YEAR_MS / input.barMs : years > 0 ? returns.length / years : 0;
  const n = returns.length;
  const mean = n > 0 ? returns.reduce((sum, r) => sum + r, 0) / n : 0;
  const std = n > 1 ? Math.sqrt(returns.reduce((sum, r) => sum + (r - mean) ** 2, 0) / (n - 1)) : 0;
  const downside = n > 0 ? Math.sqrt(returns.reduce((sum, r) => sum + Math.min(r, 0) ** 2, 0) / n) : 0;
  let peak = curve[0] ?? input.startingEquity;
  let maxDrawdown = 0;
  for (const value of curve) {
    peak = Math.max(peak, value);
    maxDrawdown = Math.max(maxDrawdown, (peak - value) / peak);
  }
  const cagr = years > 0 ? finiteOrNull((end / input.startingEquity) ** (1 / years) - 1) : null;
  const wins = input.trades.filter((trade) => trade.pnl > 0);
  const gains = wins.reduce((sum, trade) => sum + trade.pnl, 0);
  const losses = input.trades.reduce((sum, trade) => sum + Math.min(trade.pnl, 0), 0);
  const held = input.trades.reduce((sum, trade) => sum + (trade.exitTime - trade.entryTime), 0);
  const count = input.trades.length;
  return {
    total_return: end / input.startingEquity - 1,
    cagr,
    max_drawdown: maxDrawdown,
    sharpe: std > 0 ? (mean / std) * Math.sqrt(perYear) : null,
    sortino: downside > 0 ? (mean / downside) * Math.sqrt(perYear) : null,
    calmar: cagr !== null && maxDrawdown > 0 ? cagr / maxDrawdown : null,
    win_rate: count > 0 ? wins.length / count : null,
    profit_factor: losses < 0 ? gains / -losses : null,
    expectancy: count > 0 ? input.trades.reduce((sum, trade) => sum + trade.pnl, 0) / count : null,
    exposure: endTime > input.startTime ? Math.min(1, held / (endTime - input.startTime)) : 0,
    trades: count,
  };
}

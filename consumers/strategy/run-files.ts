import type { Strategy } from '../../schemas/strategy.js';
import { type StrategyMetrics, strategyMetrics } from './metrics.js';
import type { RoundTrip, StrategyBook } from './strategy-book.js';

const iso = (ms: number) => new Date(ms).toISOString();

export const TRADES_HEADER = 'entry_time,exit_time,side,size,entry_price,exit_price,fees,pnl,exit_reason';

/** trades.csv: one row per round trip, times ISO 8601 UTC. */
export const tradesCsv = (trades: readonly RoundTrip[]): string =>
  `${[
    TRADES_HEADER,
    ...trades.map((t) =>
      [
        iso(t.entryTime),
        iso(t.exitTime),
        t.side,
        t.size,
        t.entryPrice,
        t.exitPrice,
        t.fees,
        t.pnl,
        t.exitReason,
      ].join(','),
    ),
  ].join('\n')}\n`;

/** equity.csv: time (bar close, ISO 8601 UTC), equity, drawdown (fraction below the running peak). */
export function equityCsv(points: readonly { time: number; equity: number }[]): string {
  let peak = Number.NEGATIVE_INFINITY;
  const rows = points.map((point) => {
    peak = Math.max(peak, point.equity);
    return `${iso(point.time)},${point.equity},${(peak - point.equity) / peak}`;
  });
  return `${['time,equity,drawdown', ...rows].join('\n')}\n`;
}

export const metricsOf = (book: StrategyBook, barMs: number | null, startTime: number): StrategyMetrics =>
  strategyMetrics({
    startingEquity: book.strategy.startingEquity,
    equity: book.equity,
    trades: book.trades,
    barMs,
    startTime,
  });

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** An inline SVG polyline of values over time (no scripts, no external files). */
function chart(
  title: string,
  points: readonly [number, number][],
  marks: readonly [number, number, string][] = [],
) {
  const width = 900;
  const height = 220;
  if (points.length === 0) return `<h2>${escapeHtml(title)}</h2><p>no data</p>`;
  const xs = points.map((p) => p[0]);
  const ys = [...points.map((p) => p[1]), ...marks.map((m) => m[1])];
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => (x1 === x0 ? 0 : ((x - x0) / (x1 - x0)) * width).toFixed(1);
  const sy = (y: number) => (y1 === y0 ? height / 2 : height - ((y - y0) / (y1 - y0)) * height).toFixed(1);
  const line = points.map(([x, y]) => `${sx(x)},${sy(y)}`).join(' ');
  const dots = marks
    .map(([x, y, color]) => `<circle cx="${sx(x)}" cy="${sy(y)}" r="4" fill="${color}"/>`)
    .join('');
  return `<h2>${escapeHtml(title)}</h2><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><polyline fill="none" stroke="#2962ff" stroke-width="1.5" points="${line}"/>${dots}</svg><p>${y0} … ${y1}</p>`;
}

/** report.html: one self-contained page — metrics, equity, drawdown, closes with entries/exits, trades table. */
export function reportHtml(strategy: Strategy, book: StrategyBook, metrics: StrategyMetrics): string {
  const equity = book.equity.map((p): [number, number] => [p.time, p.equity]);
  let peak = Number.NEGATIVE_INFINITY;
  const drawdown = book.equity.map((p): [number, number] => {
    peak = Math.max(peak, p.equity);
    return [p.time, -(peak - p.equity) / peak];
  });
  const closes = book.closes.map((p): [number, number] => [p.time, p.close]);
  const marks = book.trades.flatMap((t): [number, number, string][] => [
    [t.entryTime, t.entryPrice, '#089981'],
    [t.exitTime, t.exitPrice, '#f23645'],
  ]);
  const rows = book.trades
    .map(
      (t) =>
        `<tr><td>${iso(t.entryTime)}</td><td>${iso(t.exitTime)}</td><td>${t.side}</td><td>${t.size}</td><td>${t.entryPrice}</td><td>${t.exitPrice}</td><td>${t.fees}</td><td>${t.pnl}</td><td>${t.exitReason}</td></tr>`,
    )
    .join('\n');
  const metricRows = Object.entries(metrics)
    .map(([key, value]) => `<tr><th>${key}</th><td>${value}</td></tr>`)
    .join('');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(strategy.name)} backtest</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}</style>
</head><body>
<h1>${escapeHtml(strategy.name)} · ${escapeHtml(strategy.venue)} ${escapeHtml((strategy.symbols ?? [strategy.symbol]).join(', '))} ${escapeHtml(strategy.interval)}</h1>
<table>${metricRows}</table>
${chart('Equity', equity)}
${chart('Drawdown', drawdown)}
${chart('Closes with entries (green) and exits (red)', closes, marks)}
<h2>Trades</h2>
<table><tr><th>${TRADES_HEADER.split(',').join('</th><th>')}</th></tr>
${rows}
</table>
</body></html>
`;
}

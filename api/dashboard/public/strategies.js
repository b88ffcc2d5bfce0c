// Strategies page: your strategies; for the one shown, its metrics, open positions, the candles of its market
// with every fill marked (entries and exits), and its equity and drawdown curves — all from /v1/strategies.
import { PriceChart } from './chart.js';
import { $, el, iso, percent, signedInClient } from './research.js';

const { createChart, LineSeries } = window.LightweightCharts;
const status = $('#status');
const client = signedInClient(status);
const seconds = (ms) => Math.floor(ms / 1000);
const INTERVAL_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const intervalMs = (label) => Number(label.slice(0, -1)) * (INTERVAL_MS[label.at(-1)] ?? 60_000);
/** what the page drew last (read by the end-to-end test) */
const drawn = { marks: 0, candles: 0, equityPoints: 0, drawdownPoints: 0 };
window.nexuralStrategies = drawn;

let candles = null;
const lineChart = (element, color) => {
  const chart = createChart(element, {
    autoSize: true,
    layout: { background: { color: '#0f1419' }, textColor: '#d7dde4' },
    grid: { vertLines: { color: '#1c232b' }, horzLines: { color: '#1c232b' } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  return chart.addSeries(LineSeries, { color, lineWidth: 1.5, priceLineVisible: false });
};
let equityLine = null;
let drawdownLine = null;

async function pages(path) {
  const items = [];
  let cursor = null;
  do {
    const page = await client.get(`${path}${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor ?? null;
  } while (cursor);
  return items;
}

/** a fill as a mark: entries below/above the bar as arrows, exits as circles with the PnL */
const markOf = (fill, step) => ({
  time: seconds(fill.time - (fill.time % step)),
  position: fill.side === 'buy' ? 'belowBar' : 'aboveBar',
  color: fill.reason === 'entry' ? '#26a69a' : '#ef5350',
  shape: fill.reason === 'entry' ? (fill.side === 'buy' ? 'arrowUp' : 'arrowDown') : 'circle',
  text:
    fill.reason === 'entry'
      ? `${fill.positionSide} ${fill.price}`
      : `${fill.reason} ${fill.price} (${fill.pnl >= 0 ? '+' : ''}${fill.pnl?.toFixed(2)})`,
});

async function show(stored) {
  const { strategy } = stored;
  const id = encodeURIComponent(stored.id);
  const [metrics, { items: positions }, fills, equity] = await Promise.all([
    client.get(`/v1/strategies/${id}/metrics`),
    client.get(`/v1/strategies/${id}/positions`),
    client.get(`/v1/strategies/${id}/trades?limit=1000`).then((page) => page.items),
    client.get(`/v1/strategies/${id}/equity?limit=10000`).then((page) => page.items),
  ]);
  $('#metrics tbody').replaceChildren(
    ...Object.entries(metrics).map(([name, value]) =>
      el(
        'tr',
        { 'data-metric': name },
        el('th', {}, name),
        el(
          'td',
          {},
          value === null
            ? '—'
            : ['total_return', 'max_drawdown', 'win_rate', 'exposure', 'cagr'].includes(name)
              ? percent(value)
              : String(value),
        ),
      ),
    ),
  );
  $('#positions tbody').replaceChildren(
    ...positions.map((position) =>
      el(
        'tr',
        { 'data-symbol': position.symbol, class: position.side },
        el('td', {}, position.symbol),
        el('td', {}, position.side),
        el('td', {}, String(Number(position.size.toPrecision(6)))),
        el('td', {}, iso(position.entryTime)),
        el('td', {}, String(position.entryPrice)),
      ),
    ),
  );
  // the candles of the strategy's (first) symbol over its fills and equity, one interval of margin each side
  const symbol = strategy.symbol ?? strategy.symbols[0];
  const step = intervalMs(strategy.interval);
  const times = [...fills.map((fill) => fill.time), ...equity.map((point) => point.time)];
  const from = times.length ? Math.min(...times) - 20 * step : Date.now() - 100 * step;
  const to = times.length ? Math.max(...times) + 2 * step : Date.now();
  const bars = await pages(
    `/v1/markets/${encodeURIComponent(strategy.venue)}/${encodeURIComponent(symbol)}/bars/${strategy.interval}?from=${from}&to=${to}`,
  );
  candles ??= new PriceChart($('#candles'));
  candles.setBars(bars);
  drawn.candles = bars.length;
  drawn.marks = candles.setMarkers(
    fills.filter((fill) => fill.symbol === symbol).map((fill) => markOf(fill, step)),
  );
  $('#candles-title').textContent = `${strategy.venue} ${symbol} ${strategy.interval}: entries and exits`;
  equityLine ??= lineChart($('#equity'), '#4c9aff');
  drawdownLine ??= lineChart($('#drawdown'), '#ef5350');
  equityLine.setData(equity.map((point) => ({ time: seconds(point.time), value: point.equity })));
  drawdownLine.setData(equity.map((point) => ({ time: seconds(point.time), value: -point.drawdown * 100 })));
  drawn.equityPoints = equity.length;
  drawn.drawdownPoints = equity.length;
  status.textContent = `${stored.strategy.name}: ${fills.length} fill(s), ${positions.length} open position(s), ${equity.length} equity point(s)`;
}

async function refresh() {
  const { items } = await client.get('/v1/strategies');
  $('#strategies tbody').replaceChildren(
    ...items.map((stored) =>
      el(
        'tr',
        { 'data-id': stored.id },
        el('td', {}, stored.strategy.name),
        el(
          'td',
          {},
          `${stored.strategy.venue} ${(stored.strategy.symbols ?? [stored.strategy.symbol]).join(', ')} ${stored.strategy.interval}`,
        ),
        el('td', {}, stored.enabled ? 'yes' : 'no'),
        el(
          'td',
          {},
          Object.assign(el('button', { type: 'button', class: 'show' }, 'Show'), {
            onclick: () =>
              show(stored).catch((error) => {
                status.textContent = error.message;
              }),
          }),
        ),
      ),
    ),
  );
  status.textContent = `${items.length} strateg${items.length === 1 ? 'y' : 'ies'}`;
  if (items[0]) await show(items[0]);
}

if (client)
  refresh().catch((error) => {
    status.textContent = error.message;
  });

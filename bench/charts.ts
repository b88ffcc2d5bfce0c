import { renderChartPng, renderChartSvg } from '../consumers/discord/chart.js';
import { sma5 } from '../consumers/discord/testing/bot-fixture.js';
import { binanceKlines } from '../pipeline/store/market-data-fixtures.js';
import type { Bar } from '../schemas/bar.js';
import { printTable } from './bench-table.js';

/** `npm run bench:charts -- [seconds per case]`: /chart renders per second (ECharts SSR → SVG → resvg PNG). */
const seconds = Number(process.argv[2] ?? 5);
const klines = binanceKlines();
const barsOf = (count: number): Bar[] =>
  Array.from({ length: count }, (_, index) => {
    const source = klines[index % klines.length] as Bar;
    const shift = Math.floor(index / klines.length) * klines.length * 60_000;
    return { ...source, openTime: source.openTime + shift, closeTime: source.closeTime + shift };
  });

function measure(name: string, bars: number, render: () => unknown) {
  render();
  const started = performance.now();
  let renders = 0;
  while (performance.now() - started < seconds * 1_000) {
    render();
    renders += 1;
  }
  const elapsed = (performance.now() - started) / 1_000;
  return {
    output: name,
    bars,
    renders,
    'charts/s': renders / elapsed,
    'ms/chart': (elapsed * 1_000) / renders,
  };
}

const rows = [];
for (const count of [60, 300]) {
  const bars = barsOf(count);
  const values = sma5(bars).map((value) => value.outputs.value ?? null);
  const input = {
    title: `BTCUSDT 1m (${count} bars)`,
    bars,
    overlays: [{ name: 'sma(5)', values: [null, null, null, null, ...values] }],
  };
  rows.push(measure('svg', count, () => renderChartSvg(input)));
  rows.push(measure('png', count, () => renderChartPng(input)));
}
printTable(`/chart renders, 1000×560, candles + volume + 1 indicator, ${seconds} s per case, one core`, rows);

import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { Bar } from '../../schemas/bar.js';

export interface ChartOverlay {
  /** legend name, e.g. `sma(20)` or `bbands(20,2).upper` */
  readonly name: string;
  /** one value per bar (null before the indicator is warm) */
  readonly values: readonly (number | null)[];
}

export interface ChartInput {
  readonly title: string;
  readonly bars: readonly Bar[];
  readonly overlays: readonly ChartOverlay[];
  readonly width?: number;
  readonly height?: number;
}

const label = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');

/** The chart as SVG: candlesticks (price pane) over volume bars, indicator lines on the price pane. */
export function renderChartSvg(input: ChartInput): string {
  const width = input.width ?? 1000;
  const height = input.height ?? 560;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#1e1f22',
      textStyle: { color: '#dbdee1' },
      title: { text: input.title, left: 10, top: 6, textStyle: { color: '#f2f3f5', fontSize: 15 } },
      legend: { top: 8, right: 10, textStyle: { color: '#b5bac1' }, data: input.overlays.map((o) => o.name) },
      grid: [
        { left: 64, right: 16, top: 40, height: '58%' },
        { left: 64, right: 16, top: '76%', height: '16%' },
      ],
      xAxis: [0, 1].map((gridIndex) => ({
        type: 'category',
        gridIndex,
        data: input.bars.map((bar) => label(bar.openTime)),
        axisLabel: { show: gridIndex === 1, color: '#b5bac1' },
        axisLine: { lineStyle: { color: '#4e5058' } },
      })),
      yAxis: [
        {
          scale: true,
          gridIndex: 0,
          splitLine: { lineStyle: { color: '#2b2d31' } },
          axisLabel: { color: '#b5bac1' },
        },
        {
          scale: true,
          gridIndex: 1,
          splitNumber: 2,
          splitLine: { show: false },
          axisLabel: { color: '#b5bac1' },
        },
      ],
      series: [
        {
          name: 'price',
          type: 'candlestick',
          data: input.bars.map((bar) => [bar.open, bar.close, bar.low, bar.high]),
          itemStyle: { color: '#23a55a', color0: '#f23f43', borderColor: '#23a55a', borderColor0: '#f23f43' },
        },
        {
          name: 'volume',
          type: 'bar',
          xAxisIndex: 1,
          yAxisIndex: 1,
          data: input.bars.map((bar) => ({
            value: bar.volume,
            itemStyle: { color: bar.close >= bar.open ? '#23a55a88' : '#f23f4388' },
          })),
        },
        ...input.overlays.map((overlay) => ({
          name: overlay.name,
          type: 'line',
          showSymbol: false,
          lineStyle: { width: 1.5 },
          data: overlay.values.map((value) => value ?? '-'),
        })),
      ],
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

const dejaVu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
/** One font file when the machine has DejaVu Sans (loading every system font costs more than the render). */
const fontOptions = existsSync(dejaVu)
  ? { fontFiles: [dejaVu], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }
  : { loadSystemFonts: true };

/** The chart as PNG bytes (SVG rasterised by resvg). */
export function renderChartPng(input: ChartInput): Buffer {
  const svg = renderChartSvg(input);
  return Buffer.from(new Resvg(svg, { font: fontOptions }).render().asPng());
}

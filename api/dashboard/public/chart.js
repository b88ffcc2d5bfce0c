// Candlesticks with volume, and indicator lines: price-like indicators over the candles, oscillators in a
// pane below. Times are the bars' open times in seconds (UTC).

const { createChart, createSeriesMarkers, CandlestickSeries, HistogramSeries, LineSeries } =
  window.LightweightCharts;
const OVERLAYS = new Set(['sma', 'ema', 'wma', 'dema', 'tema', 'bbands', 'vwap', 'keltner', 'donchian']);
const COLORS = ['#f5a623', '#4c9aff', '#bd10e0', '#7ed321', '#50e3c2', '#e94b3c'];

const seconds = (ms) => Math.floor(ms / 1000);

export class PriceChart {
  constructor(element) {
    this.chart = createChart(element, {
      autoSize: true,
      layout: {
        background: { color: '#0f1419' },
        textColor: '#d7dde4',
        panes: { separatorColor: '#2a323c' },
      },
      grid: { vertLines: { color: '#1c232b' }, horzLines: { color: '#1c232b' } },
      timeScale: { timeVisible: true, secondsVisible: false, barSpacing: 10, rightOffset: 4 },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: '#26a69a',
      downColor: '#ef5350',
      borderVisible: false,
      wickUpColor: '#26a69a',
      wickDownColor: '#ef5350',
    });
    this.volume = this.chart.addSeries(HistogramSeries, {
      lastValueVisible: false,
      priceLineVisible: false,
      priceFormat: { type: 'volume' },
      priceScaleId: 'volume',
    });
    this.volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    this.lines = [];
    this.lastTime = 0;
    this.markers = createSeriesMarkers(this.candles, []);
  }

  /** Marks on the candles (e.g. where a tested rule would have fired), in time order as the chart needs. */
  setMarkers(markers) {
    this.markers.setMarkers([...markers].sort((a, b) => a.time - b.time));
    return this.markers.markers().length;
  }

  static candleOf(bar) {
    return { time: seconds(bar.openTime), open: bar.open, high: bar.high, low: bar.low, close: bar.close };
  }

  static volumeOf(bar) {
    return {
      time: seconds(bar.openTime),
      value: bar.volume,
      color: bar.close >= bar.open ? '#26a69a66' : '#ef535066',
    };
  }

  setBars(bars) {
    this.candles.setData(bars.map(PriceChart.candleOf));
    this.volume.setData(bars.map(PriceChart.volumeOf));
    this.lastTime = bars.length ? seconds(bars.at(-1).openTime) : 0;
    // A few bars stretched over the whole width would stay that wide as live bars arrive.
    if (bars.length >= 60) this.chart.timeScale().fitContent();
    else this.chart.timeScale().scrollToRealTime();
  }

  /** A live bar: the forming one is replaced, a new one appended; older ones are already drawn. */
  update(bar) {
    const time = seconds(bar.openTime);
    if (time < this.lastTime) return false;
    this.candles.update(PriceChart.candleOf(bar));
    this.volume.update(PriceChart.volumeOf(bar));
    this.lastTime = time;
    return true;
  }

  setIndicators(computed) {
    for (const line of this.lines) this.chart.removeSeries(line);
    this.lines = [];
    let color = 0;
    for (const { spec, outputs, items } of computed) {
      const pane = OVERLAYS.has(spec.split('(')[0]) ? 0 : 1;
      for (const output of outputs) {
        const line = this.chart.addSeries(
          LineSeries,
          {
            color: COLORS[color++ % COLORS.length],
            lineWidth: 1.5,
            title: outputs.length > 1 ? `${spec} ${output}` : spec,
            priceLineVisible: false,
          },
          pane,
        );
        // An output that is not warm yet is absent (adx's ±DI come before adx).
        const warm = items.filter((item) => typeof item.outputs[output] === 'number');
        line.setData(warm.map((item) => ({ time: seconds(item.openTime), value: item.outputs[output] })));
        this.lines.push(line);
      }
    }
  }
}
